//! AWS partitions: which ARN prefix and DNS suffix a region belongs to, and the one place that
//! builds every ARN and URL faqctl writes. Pure. No other client code writes `arn:aws`.
//!
//! Source: the SDK's partition table (`aws-smithy-runtime`'s `partitions.json`, the same data
//! botocore ships as `endpoints.json`): `aws` / `amazonaws.com`, `aws-cn` / `amazonaws.com.cn`
//! (`cn-*`), `aws-us-gov` / `amazonaws.com` (`us-gov-*`), `aws-iso` / `c2s.ic.gov`
//! (`us-iso-*`), `aws-iso-b` / `sc2s.sgov.gov` (`us-isob-*`), `aws-eusc` / `amazonaws.eu`
//! (`eusc-*`, the European Sovereign Cloud).

/// A partition: the ARN's second field and the services' DNS suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub name: &'static str,
    pub dns_suffix: &'static str,
}

impl Partition {
    /// The partition a region is in (the commercial one for any region not in another).
    pub fn of(region: &str) -> Partition {
        let (name, dns_suffix) = if region.starts_with("cn-") {
            ("aws-cn", "amazonaws.com.cn")
        } else if region.starts_with("us-gov-") {
            ("aws-us-gov", "amazonaws.com")
        } else if region.starts_with("us-isob-") {
            ("aws-iso-b", "sc2s.sgov.gov")
        } else if region.starts_with("us-iso-") {
            ("aws-iso", "c2s.ic.gov")
        } else if region.starts_with("eusc-") {
            ("aws-eusc", "amazonaws.eu")
        } else {
            ("aws", "amazonaws.com")
        };
        Partition { name, dns_suffix }
    }
}

/// Where the resources live: the partition and region (and, for most ARNs, the account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub partition: Partition,
    pub region: String,
}

impl Location {
    pub fn new(region: &str) -> Location {
        Location {
            partition: Partition::of(region),
            region: region.to_string(),
        }
    }

    /// `arn:{partition}:{service}:{region}:{account}:{resource}`
    pub fn arn(&self, service: &str, account: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{account}:{resource}",
            self.partition.name, self.region
        )
    }

    /// A function's ARN.
    pub fn function_arn(&self, account: &str, function: &str) -> String {
        self.arn("lambda", account, &format!("function:{function}"))
    }

    /// The URI an AWS_PROXY integration calls: Lambda's Invoke API through API Gateway.
    pub fn integration_uri(&self, function_arn: &str) -> String {
        self.arn(
            "apigateway",
            "lambda",
            &format!("path/2015-03-31/functions/{function_arn}/invocations"),
        )
    }

    /// The least-privilege SourceArn of the permission: only GET / of this API, any stage.
    pub fn permission_source_arn(&self, account: &str, api_id: &str) -> String {
        self.arn("execute-api", account, &format!("{api_id}/*/GET/"))
    }

    /// A log group's ARN (as API Gateway's access log destination takes it).
    pub fn log_group_arn(&self, account: &str, group: &str) -> String {
        self.arn("logs", account, &format!("log-group:{group}"))
    }

    /// The stage's invoke URL on AWS.
    pub fn invoke_url(&self, api_id: &str, stage: &str) -> String {
        format!(
            "https://{api_id}.execute-api.{}.{}/{stage}/",
            self.region, self.partition.dns_suffix
        )
    }
}

/// The partition named in an ARN (its second field).
pub fn arn_partition(arn: &str) -> Option<&str> {
    arn.split(':').nth(1).filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_partition_gets_its_own_arns_and_urls() {
        for (region, function_arn, source_arn, url) in [
            (
                "us-east-1",
                "arn:aws:lambda:us-east-1:123456789012:function:FAQ",
                "arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/",
                "https://abc.execute-api.us-east-1.amazonaws.com/s/",
            ),
            (
                "cn-north-1",
                "arn:aws-cn:lambda:cn-north-1:123456789012:function:FAQ",
                "arn:aws-cn:execute-api:cn-north-1:123456789012:abc/*/GET/",
                "https://abc.execute-api.cn-north-1.amazonaws.com.cn/s/",
            ),
            (
                "us-gov-west-1",
                "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:FAQ",
                "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abc/*/GET/",
                "https://abc.execute-api.us-gov-west-1.amazonaws.com/s/",
            ),
            (
                "eusc-de-east-1",
                "arn:aws-eusc:lambda:eusc-de-east-1:123456789012:function:FAQ",
                "arn:aws-eusc:execute-api:eusc-de-east-1:123456789012:abc/*/GET/",
                "https://abc.execute-api.eusc-de-east-1.amazonaws.eu/s/",
            ),
        ] {
            let location = Location::new(region);
            assert_eq!(location.function_arn("123456789012", "FAQ"), function_arn);
            assert_eq!(
                location.permission_source_arn("123456789012", "abc"),
                source_arn
            );
            assert_eq!(location.invoke_url("abc", "s"), url);
            assert_eq!(
                location.integration_uri(function_arn),
                format!(
                    "arn:{}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations",
                    location.partition.name
                )
            );
        }
        assert_eq!(
            Location::new("cn-northwest-1")
                .log_group_arn("123456789012", "/aws/apigateway/FAQ-API/myDeployment"),
            "arn:aws-cn:logs:cn-northwest-1:123456789012:log-group:/aws/apigateway/FAQ-API/myDeployment"
        );
        assert_eq!(arn_partition("arn:aws-cn:iam::1:role/r"), Some("aws-cn"));
    }
}
