//! The caller's permissions, as IAM would judge them: what each request needs (action and
//! resource, as AWS's Service Authorization Reference lists them) against an identity policy
//! the local cloud is given (`--iam-policy`, `POST /_faqctl/iam`) and actions it is told to deny
//! (`--deny`, `POST /_faqctl/denied`). With neither, everything is allowed, as before.
//!
//! A refusal has each service's own shape: Lambda and API Gateway answer 403
//! `AccessDeniedException`, CloudWatch Logs 400 `AccessDeniedException` (awsJson1.1), each with
//! IAM's sentence "User: … is not authorized to perform: ACTION on resource: ARN because no
//! identity-based policy allows the ACTION action". GetFunction withholds `Tags` (and answers
//! `TagsError`) from a caller without `lambda:ListTags`, as Lambda's model documents.
//! Supported policy elements: Effect, Action, Resource (strings or lists, `*` and `?`);
//! anything else (NotAction, Condition, …) is refused when the policy is set, never ignored.

use std::sync::Mutex;

use axum::http::Method;
use axum::response::Response;
use serde_json::Value;

use super::faults::Service;
use super::state::{arn, partition, ACCOUNT};
use super::wire::{decode_segment, json11_error, rest_error};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    allow: bool,
    actions: Vec<String>,
    resources: Vec<String>,
}

#[derive(Debug, Default)]
struct Rules {
    /// The identity policy; `None` allows everything not denied.
    policy: Option<Vec<Statement>>,
    /// Actions denied whatever the policy says.
    denied: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Iam {
    rules: Mutex<Rules>,
}

/// One thing a request needs: an action on a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub action: String,
    pub resource: String,
}

fn need(action: &str, resource: String) -> Need {
    Need {
        action: action.to_string(),
        resource,
    }
}

impl Iam {
    fn rules(&self) -> std::sync::MutexGuard<'_, Rules> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets the caller's identity policy (an IAM policy document).
    pub fn set_policy(&self, document: &str) -> Result<(), String> {
        let statements = parse_policy(document)?;
        self.rules().policy = Some(statements);
        Ok(())
    }

    /// Adds actions to deny (`lambda:ListTags,apigateway:GET`).
    pub fn deny(&self, actions: &str) -> Result<(), String> {
        let mut parsed = Vec::new();
        for action in actions
            .split([',', '\n', ' '])
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            check_action(action)?;
            parsed.push(action.to_string());
        }
        self.rules().denied.extend(parsed);
        Ok(())
    }

    /// Back to allowing everything.
    pub fn clear(&self) {
        *self.rules() = Rules::default();
    }

    pub fn describe(&self) -> Value {
        let rules = self.rules();
        serde_json::json!({
            "policy": rules.policy.as_ref().map(|statements| statements.len()),
            "denied": rules.denied,
        })
    }

    /// Whether the caller may perform `action` on `resource`: not denied, and (with a policy)
    /// allowed by a statement and denied by none.
    pub fn allows(&self, action: &str, resource: &str) -> bool {
        let rules = self.rules();
        if rules
            .denied
            .iter()
            .any(|d| glob(&d.to_ascii_lowercase(), &action.to_ascii_lowercase()))
        {
            return false;
        }
        let Some(statements) = &rules.policy else {
            return true;
        };
        let matches = |s: &Statement| {
            s.actions
                .iter()
                .any(|a| glob(&a.to_ascii_lowercase(), &action.to_ascii_lowercase()))
                && s.resources.iter().any(|r| glob(r, resource))
        };
        statements.iter().any(|s| s.allow && matches(s))
            && !statements.iter().any(|s| !s.allow && matches(s))
    }

    /// The first of a request's needs the caller lacks.
    pub fn missing(&self, needs: &[Need]) -> Option<Need> {
        needs
            .iter()
            .find(|n| !self.allows(&n.action, &n.resource))
            .cloned()
    }
}

fn check_action(action: &str) -> Result<(), String> {
    match action.split_once(':') {
        Some((service, name))
            if !service.is_empty()
                && !name.is_empty()
                && action.len() <= 128
                && action
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "*?:-".contains(c)) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "{action:?} is not an IAM action: expected service:Action, e.g. lambda:ListTags"
        )),
    }
}

fn strings(value: &Value, element: &str) -> Result<Vec<String>, String> {
    match value {
        Value::String(one) => Ok(vec![one.clone()]),
        Value::Array(list) if !list.is_empty() => list
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{element} must hold strings"))
            })
            .collect(),
        _ => Err(format!(
            "each statement needs {element} (a string or a list)"
        )),
    }
}

fn parse_policy(document: &str) -> Result<Vec<Statement>, String> {
    const MAX_POLICY_BYTES: usize = 64 * 1024;
    if document.len() > MAX_POLICY_BYTES {
        return Err(format!("the policy is over {MAX_POLICY_BYTES} bytes"));
    }
    let policy: Value =
        serde_json::from_str(document).map_err(|e| format!("the policy is not JSON: {e}"))?;
    let statements = match &policy["Statement"] {
        Value::Array(list) => list.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => return Err("the policy has no Statement".into()),
    };
    let mut parsed = Vec::new();
    for statement in statements {
        let Some(fields) = statement.as_object() else {
            return Err("each Statement must be an object".into());
        };
        if let Some(other) = fields
            .keys()
            .find(|k| !matches!(k.as_str(), "Sid" | "Effect" | "Action" | "Resource"))
        {
            return Err(format!(
                "the local cloud's IAM does not evaluate {other}: use Effect, Action and Resource"
            ));
        }
        let allow = match statement["Effect"].as_str() {
            Some("Allow") => true,
            Some("Deny") => false,
            _ => return Err("each statement needs Effect Allow or Deny".into()),
        };
        let actions = strings(&statement["Action"], "Action")?;
        for action in &actions {
            if action != "*" {
                check_action(action)?;
            }
        }
        let resources = strings(&statement["Resource"], "Resource")?;
        parsed.push(Statement {
            allow,
            actions,
            resources,
        });
    }
    Ok(parsed)
}

/// IAM's wildcard match (`ArnLike`, actions, resources): `*` any run of characters, `?` one
/// character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// What a request needs, per AWS's Service Authorization Reference: Lambda's actions are the
/// operation names (Invoke is `lambda:InvokeFunction`; tagging on create also needs
/// `lambda:TagResource`; passing a role needs `iam:PassRole` on it); API Gateway's are the HTTP
/// verbs on `arn:…:apigateway:{region}::{path}`; CloudWatch Logs' are the operation names on
/// the log group (`…:log-group:{name}:*`), tagging on create also needing `logs:TagResource`,
/// but for DescribeLogGroups, which the Reference scopes to no resource type: on `*`.
pub fn needs(
    service: Service,
    operation: &str,
    method: &Method,
    path: &str,
    query: Option<&str>,
    region: &str,
    body: &[u8],
) -> Vec<Need> {
    let request: Value = match service {
        Service::CloudWatch => super::cloudwatch::decode(body).unwrap_or(Value::Null),
        _ => serde_json::from_slice(body).unwrap_or(Value::Null),
    };
    match service {
        Service::Lambda => {
            let segments: Vec<String> = path
                .trim_matches('/')
                .split('/')
                .map(decode_segment)
                .collect();
            // A version or alias (`Qualifier`, or `NAME:QUALIFIER`) is its own resource, the
            // qualified ARN: a policy on `function:NAME` alone does not reach it (IAM matches
            // ARNs as strings; `function:NAME:*` does).
            let parameter = query.and_then(|q| {
                q.split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(key, _)| *key == "Qualifier")
                    .map(|(_, value)| decode_segment(value))
            });
            let function = |name: &str| {
                let name = name.rsplit(":function:").next().unwrap_or(name);
                let (name, qualifier) = match name.split_once(':') {
                    Some((name, qualifier)) => (name, Some(qualifier.to_string())),
                    None => (name, parameter.clone()),
                };
                match qualifier {
                    Some(qualifier) => {
                        arn(region, "lambda", &format!("function:{name}:{qualifier}"))
                    }
                    None => arn(region, "lambda", &format!("function:{name}")),
                }
            };
            let resource = match segments.as_slice() {
                [_, _, name, ..] if segments[1] == "functions" => function(name),
                [_, _, tagged] if segments[1] == "tags" => tagged.clone(),
                _ => match request["FunctionName"].as_str() {
                    Some(name) => function(name),
                    None => "*".to_string(),
                },
            };
            let action = match operation {
                "Invoke" => "InvokeFunction",
                other => other,
            };
            let mut needs = vec![need(&format!("lambda:{action}"), resource.clone())];
            if let Some(role) = request["Role"].as_str() {
                needs.push(need("iam:PassRole", role.to_string()));
            }
            if operation == "CreateFunction"
                && request["Tags"].as_object().is_some_and(|t| !t.is_empty())
            {
                needs.push(need("lambda:TagResource", resource));
            }
            needs
        }
        Service::ApiGateway => {
            let resource = format!("arn:{}:apigateway:{region}::{path}", partition(region).0);
            let mut needs = vec![need(&format!("apigateway:{method}"), resource)];
            // Setting the account's CloudWatch role passes that role to API Gateway.
            if operation == "UpdateAccount" {
                for op in request["patchOperations"].as_array().into_iter().flatten() {
                    if op["path"] == "/cloudwatchRoleArn" {
                        if let Some(role) = op["value"].as_str() {
                            needs.push(need("iam:PassRole", role.to_string()));
                        }
                    }
                }
            }
            needs
        }
        // Alarms are resources (`alarm:NAME`); reading metrics is account-wide ("*").
        Service::CloudWatch => {
            let mut names = super::wire::strings(&request["AlarmNames"]);
            names.extend(request["AlarmName"].as_str());
            let action = format!("cloudwatch:{operation}");
            match operation {
                "GetMetricData" => vec![need(&action, "*".to_string())],
                _ if names.is_empty() => vec![need(&action, arn(region, "cloudwatch", "alarm:*"))],
                _ => names
                    .iter()
                    .map(|name| need(&action, arn(region, "cloudwatch", &format!("alarm:{name}"))))
                    .collect(),
            }
        }
        Service::Logs if operation == "StartLiveTail" => {
            // On each log group of the session (given by ARN).
            let needs: Vec<Need> = super::wire::strings(&request["logGroupIdentifiers"])
                .into_iter()
                .map(|group| need("logs:StartLiveTail", format!("{group}:*")))
                .collect();
            if needs.is_empty() {
                vec![need(
                    "logs:StartLiveTail",
                    arn(region, "logs", "log-group:*"),
                )]
            } else {
                needs
            }
        }
        // The Reference lists no resource type for DescribeLogGroups, so only a statement on
        // "*" grants it; one on `log-group:*` does not (docs/iam.md, "DescribeLogGroups").
        Service::Logs if operation == "DescribeLogGroups" => {
            vec![need("logs:DescribeLogGroups", "*".to_string())]
        }
        Service::Logs => {
            // A group is named by `logGroupName`, or by `logGroupIdentifier` (its name or ARN).
            let group = request["logGroupName"]
                .as_str()
                .or_else(|| request["logGroupIdentifier"].as_str())
                .map(|g| g.rsplit(":log-group:").next().unwrap_or(g));
            let resource = match group {
                Some(group) => arn(region, "logs", &format!("log-group:{group}:*")),
                // No group named (the model's validation refuses the request next).
                None => arn(region, "logs", "log-group:*"),
            };
            let mut needs = vec![need(&format!("logs:{operation}"), resource.clone())];
            if operation == "CreateLogGroup"
                && request["tags"].as_object().is_some_and(|t| !t.is_empty())
            {
                needs.push(need("logs:TagResource", resource));
            }
            needs
        }
    }
}

/// IAM's sentence for a refused action.
pub fn denial(need: &Need, region: &str) -> String {
    format!(
        "User: arn:{}:sts::{ACCOUNT}:assumed-role/faqctl-local/faqctl is not authorized to perform: {} on resource: {} because no identity-based policy allows the {} action",
        partition(region).0,
        need.action,
        need.resource,
        need.action
    )
}

/// The refusal, in the service's own protocol.
pub fn access_denied(service: Service, need: &Need, region: &str) -> Response {
    let message = denial(need, region);
    match service {
        Service::Logs => json11_error("AccessDeniedException", &message),
        Service::CloudWatch => super::cloudwatch::error(403, "AccessDenied", &message),
        Service::Lambda | Service::ApiGateway => rest_error(403, "AccessDeniedException", &message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_allows_only_what_it_names_and_a_deny_wins() {
        let iam = Iam::default();
        assert!(
            iam.allows("lambda:GetFunction", "anything"),
            "no policy: all"
        );
        iam.set_policy(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["lambda:Get*","apigateway:GET"],"Resource":"arn:aws:lambda:*:*:function:FAQ"},
            {"Effect":"Allow","Action":"apigateway:GET","Resource":["arn:aws:apigateway:*::/restapis","arn:aws:apigateway:*::/restapis/*"]},
            {"Effect":"Deny","Action":"lambda:GetPolicy","Resource":"*"}]}"#).unwrap();
        let function = "arn:aws:lambda:us-east-1:000000000000:function:FAQ";
        assert!(iam.allows("lambda:GetFunction", function));
        assert!(
            iam.allows("LAMBDA:getfunction", function),
            "actions ignore case"
        );
        assert!(!iam.allows(
            "lambda:GetFunction",
            "arn:aws:lambda:us-east-1:000000000000:function:Other"
        ));
        assert!(!iam.allows("lambda:GetPolicy", function), "Deny wins");
        assert!(iam.allows(
            "apigateway:GET",
            "arn:aws:apigateway:us-east-1::/restapis/abc/stages/s"
        ));
        assert!(!iam.allows("apigateway:GET", "arn:aws:apigateway:us-east-1::/account"));
        iam.deny("lambda:GetFunction").unwrap();
        assert!(!iam.allows("lambda:GetFunction", function));
        iam.clear();
        assert!(iam.allows("lambda:GetPolicy", function));
        for bad in [
            "nope",
            r#"{"Statement":[{"Effect":"Allow","Action":"lambda:*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"lambda:*","Resource":"*","Condition":{}}]}"#,
            r#"{"Statement":[{"Effect":"Maybe","Action":"lambda:*","Resource":"*"}]}"#,
        ] {
            assert!(iam.set_policy(bad).is_err(), "{bad}");
        }
        assert!(iam.deny("not an action").is_err());
    }

    #[test]
    fn requests_need_the_actions_aws_documents() {
        let lambda = needs(
            Service::Lambda,
            "CreateFunction",
            &Method::POST,
            "/2015-03-31/functions",
            None,
            "cn-north-1",
            br#"{"FunctionName":"FAQ","Role":"arn:aws-cn:iam::1:role/r","Tags":{"a":"b"}}"#,
        );
        let actions: Vec<&str> = lambda.iter().map(|n| n.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "lambda:CreateFunction",
                "iam:PassRole",
                "lambda:TagResource"
            ]
        );
        assert_eq!(
            lambda[0].resource,
            "arn:aws-cn:lambda:cn-north-1:000000000000:function:FAQ"
        );
        let invoke = needs(
            Service::Lambda,
            "Invoke",
            &Method::POST,
            "/2015-03-31/functions/FAQ/invocations",
            None,
            "us-east-1",
            b"{}",
        );
        assert_eq!(invoke[0].action, "lambda:InvokeFunction");
        assert_eq!(
            invoke[0].resource,
            "arn:aws:lambda:us-east-1:000000000000:function:FAQ"
        );
        // A version or alias is the qualified ARN, by parameter or in the name.
        let qualified = needs(
            Service::Lambda,
            "Invoke",
            &Method::POST,
            "/2015-03-31/functions/FAQ/invocations",
            Some("Qualifier=7"),
            "us-east-1",
            b"{}",
        );
        assert_eq!(
            qualified[0].resource,
            "arn:aws:lambda:us-east-1:000000000000:function:FAQ:7"
        );
        let alias = needs(
            Service::Lambda,
            "Invoke",
            &Method::POST,
            "/2015-03-31/functions/FAQ%3Alive/invocations",
            None,
            "us-east-1",
            b"",
        );
        assert_eq!(
            alias[0].resource,
            "arn:aws:lambda:us-east-1:000000000000:function:FAQ:live"
        );
        let account = needs(
            Service::ApiGateway,
            "GetAccount",
            &Method::GET,
            "/account",
            None,
            "us-east-1",
            b"",
        );
        assert_eq!(
            account,
            [need(
                "apigateway:GET",
                "arn:aws:apigateway:us-east-1::/account".into()
            )]
        );
        let logs = needs(
            Service::Logs,
            "DescribeLogGroups",
            &Method::POST,
            "/",
            None,
            "us-east-1",
            br#"{"logGroupNamePrefix":"/aws/lambda/FAQ"}"#,
        );
        assert_eq!(logs, [need("logs:DescribeLogGroups", "*".into())]);
        let by_arn = needs(
            Service::Logs,
            "FilterLogEvents",
            &Method::POST,
            "/",
            None,
            "us-east-1",
            br#"{"logGroupIdentifier":"arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/FAQ"}"#,
        );
        assert_eq!(
            by_arn[0].resource,
            "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/FAQ:*"
        );
    }

    #[test]
    fn describe_log_groups_is_granted_only_on_every_resource() {
        // The Service Authorization Reference lists no resource type for it: a statement on
        // the account's log groups does not reach it, one on "*" does.
        let iam = Iam::default();
        let describe = &needs(
            Service::Logs,
            "DescribeLogGroups",
            &Method::POST,
            "/",
            None,
            "us-east-1",
            b"{}",
        )[0];
        iam.set_policy(r#"{"Statement":[{"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"arn:aws:logs:*:*:log-group:*"}]}"#).unwrap();
        assert!(!iam.allows(&describe.action, &describe.resource));
        iam.set_policy(r#"{"Statement":[{"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"*"}]}"#).unwrap();
        assert!(iam.allows(&describe.action, &describe.resource));
    }
}
