//! Every tag and YAML form CloudFormation accepts is read; a tag eniplan does
//! not know is an error nowhere, and unresolved where eniplan reads it.

use eniplan::files::{Files, SourceFile};
use eniplan::model::Inventory;
use eniplan::source::{cloudformation, parse};

/// Reads a template from text, as `eniplan check` reads a file.
fn read(text: &str) -> Result<Inventory, String> {
    let file = SourceFile::new("template.yaml", text);
    let mut files = Files::default();
    let id = files.add(file.clone());
    let root = parse(&file).map_err(|e| e.to_string())?;
    let mut inv = Inventory::default();
    cloudformation::read(id, &file, &root, &cloudformation::Options::default(), &mut inv).map_err(|e| e.to_string())?;
    Ok(inv)
}

/// Each function's subnets and security groups, as text.
fn configs(inv: &Inventory) -> Vec<(String, Vec<String>, Vec<String>)> {
    inv.functions
        .iter()
        .map(|f| {
            let vpc = f.versions[0].vpc.as_ref().expect("a VpcConfig");
            let names = |items: &[eniplan::model::Item]| items.iter().map(|i| i.value.to_string()).collect();
            (f.name.to_string(), names(&vpc.subnets), names(&vpc.security_groups))
        })
        .collect()
}

const FUNCTION: &str = "
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}
";

#[test]
fn rules_section_functions_are_read() {
    for function in ["Contains", "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll"] {
        let text = format!("Rules:\n  R:\n    Assertions:\n      - Assert: !{function} [[a], b]\n{FUNCTION}");
        let inv = read(&text).unwrap_or_else(|e| panic!("!{function}: {e}"));
        assert_eq!(configs(&inv), [("Fn".into(), vec!["subnet-1".into()], vec!["sg-1".into()])]);
    }
}

#[test]
fn unknown_tags_where_eniplan_reads_nothing_are_not_errors() {
    let sections = [
        "Metadata:\n  Tool: !Frobnicate {a: 1}\n",
        "Outputs:\n  O:\n    Value: !Frobnicate x\n",
        "Conditions:\n  C: !Frobnicate [a]\n",
        "Rules:\n  R:\n    Assertions: [{Assert: !Frobnicate [a]}]\n",
    ];
    let other_resource = "  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {DisplayName: !Frobnicate [a, !Nested b]}\n";
    let texts = sections
        .map(|s| format!("{s}{FUNCTION}"))
        .into_iter()
        .chain([format!("{FUNCTION}{other_resource}")]);
    for text in texts {
        let inv = read(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(configs(&inv).len(), 1, "{text}");
        assert!(inv.unresolved.is_empty(), "{text}: {:?}", inv.unresolved);
    }
}

#[test]
fn non_specific_tag_on_a_quoted_key_in_a_flow_sequence_is_a_plain_key() {
    // cfn-lint's good fixture no_value.yaml writes `! "Ref": "AWS::AccountId"`
    // inside a flow list: a one-entry mapping whose key is the string "Ref".
    let text = r#"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      VpcConfig:
        SubnetIds: [subnet-1, ! "Ref": Private]
        SecurityGroupIds: [! "sg-1", ! 2]
  Private:
    Type: AWS::EC2::Subnet
"#;
    let inv = read(text).unwrap();
    assert_eq!(
        configs(&inv),
        [(
            "Fn".into(),
            vec!["subnet-1".into(), "!Ref Private".into()],
            vec!["sg-1".into(), "2".into()]
        )]
    );
}

#[test]
fn yaml_forms_agree_with_pyyaml() {
    // The expected values are PyYAML's (with cfn-lint's `!` constructor),
    // which the file's comments describe.
    let text = std::fs::read_to_string("testdata/valid/yaml-forms.yaml").unwrap();
    let inv = read(&text).unwrap();
    let subnets: Vec<String> = ["subnet-0aaa", "subnet-0bbb", "subnet-0ccc", "!Ref FourthSubnet"]
        .map(String::from)
        .into();
    let groups: Vec<String> = ["sg-0ddd", "!Ref Sg", "!Ref Sg"].map(String::from).into();
    assert_eq!(
        configs(&inv),
        [("Fn".into(), subnets.clone(), groups.clone()), ("Fn2".into(), subnets, groups)]
    );
    assert!(inv.unresolved.is_empty(), "{:?}", inv.unresolved);
}

#[test]
fn core_schema_tags_decide_the_type() {
    let text = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig:\n        SubnetIds: [!!str 0012, !!int \"7\", !<tag:yaml.org,2002:str> true]\n        SecurityGroupIds: [sg-1]\n        Ipv6AllowedForDualStack: !!bool \"true\"\n";
    let inv = read(text).unwrap();
    assert_eq!(configs(&inv)[0].1, ["0012", "7", "true"]);
    assert_eq!(inv.functions[0].versions[0].vpc.as_ref().unwrap().ipv6_dual_stack, Some(true));
}

#[test]
fn unknown_tag_in_vpcconfig_is_unresolved_not_refused() {
    let text = std::fs::read_to_string("testdata/valid/unknown-tag.yaml").unwrap();
    let inv = read(&text).unwrap();
    let got = configs(&inv);
    assert_eq!(got[0], ("Fn".into(), vec!["!Frobnicate [a, b]".into()], vec!["sg-1".into()]));
    // A macro's tag on the whole VpcConfig hides both lists.
    let whole = "!Frobnicate {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}";
    assert_eq!(
        got[1],
        (
            "Whole".into(),
            vec![format!("SubnetIds of {whole}")],
            vec![format!("SecurityGroupIds of {whole}")]
        )
    );
    // Each unresolved value says what would resolve it (ENI302 shows it).
    let unresolved: Vec<(String, &String)> = inv.unresolved.iter().map(|(v, h)| (v.to_string(), h)).collect();
    assert_eq!(unresolved.len(), 3, "{unresolved:?}");
    for (value, hint) in unresolved {
        assert!(
            hint.contains("not a CloudFormation function") && hint.contains("--template-stage Processed"),
            "{value}: {hint}"
        );
    }
}

#[test]
fn a_function_that_returns_a_string_is_no_vpcconfig() {
    let text =
        "Parameters: {P: {Type: String}}\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig: !Ref P\n";
    let err = read(text).unwrap_err();
    assert!(err.contains("VpcConfig: expected a mapping, found `!Ref P`"), "{err}");
}

#[test]
fn the_eniplan_symbol_tag_is_an_unknown_tag_in_a_file() {
    // Only templates eniplan synthesises (from serverless.yml) carry real symbols.
    let text = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig:\n        SubnetIds: [!eniplan.Symbol [subnet-x, trust me]]\n        SecurityGroupIds: [sg-1]\n";
    let inv = read(text).unwrap();
    let unresolved: Vec<(String, &String)> = inv.unresolved.iter().map(|(v, h)| (v.to_string(), h)).collect();
    assert_eq!(unresolved.len(), 1);
    let (value, hint) = &unresolved[0];
    assert_eq!(value, "!eniplan.Symbol [subnet-x, \"trust me\"]", "not the ID it names");
    assert!(hint.contains("not a CloudFormation function"), "{hint}");
}

#[test]
fn unknown_tags_in_every_place_eniplan_reads_are_not_refused() {
    let text = std::fs::read_to_string("testdata/valid/unknown-tags-everywhere.yaml").unwrap();
    let inv = read(&text).unwrap();
    let whole = "!If [Big, !Frobnicate config, !Ref \"AWS::NoValue\"]";
    assert_eq!(
        configs(&inv),
        [
            (
                "Fn".into(),
                vec!["!If [Big, [!Ref Subnet], !Frobnicate subnets]".into()],
                vec!["!Frobnicate global-sg".into(), "!Ref Group".into()]
            ),
            (
                "Whole".into(),
                vec![format!("SubnetIds of {whole}")],
                vec![format!("SecurityGroupIds of {whole}")]
            ),
        ]
    );
    assert_eq!(inv.functions[0].versions[0].vpc.as_ref().unwrap().ipv6_dual_stack, None);
    let group = inv.security_groups.values().find(|g| g.id.to_string() == "!Ref Group").unwrap();
    assert_eq!(group.rules, None, "rules hidden by a tag are not known");
    // Every value in a VpcConfig that stays unresolved, and the group's VPC,
    // says what would resolve it.
    assert_eq!(inv.unresolved.len(), 5, "{:?}", inv.unresolved);
    assert!(inv.unresolved.keys().any(|v| v.to_string() == "!Frobnicate vpc"));
}
