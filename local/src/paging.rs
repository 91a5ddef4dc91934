//! Pages of a list operation, as AWS hands them out: at most the page size the caller asks
//! for (within the operation's documented default and maximum), and a token for the rest that
//! only this server gives out. A token is the offset of the next item, so a caller that pages
//! as the SDK's paginators do sees every item once; one this server did not give out is
//! refused in each service's words, never taken as "from the start".

/// A token this server gave out: `faqctl-<offset>`.
pub fn token(offset: usize) -> String {
    format!("faqctl-{offset}")
}

/// The offset a token stands for; `None` when it is not one of ours (or past the end).
pub fn offset(token: Option<&str>, len: usize) -> Result<usize, ()> {
    match token {
        None => Ok(0),
        Some(token) => match token.strip_prefix("faqctl-").and_then(|t| t.parse().ok()) {
            Some(offset) if offset <= len => Ok(offset),
            _ => Err(()),
        },
    }
}

/// One page: `items[offset..offset + size]` and the token for what follows, if anything does.
pub fn page<T>(mut items: Vec<T>, offset: usize, size: usize) -> (Vec<T>, Option<String>) {
    let end = offset.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| token(end));
    items.truncate(end);
    (items.split_off(offset.min(end)), next)
}

/// How API Gateway takes a list operation's `limit`: some operations refuse one outside 1–500
/// (GetRestApis, GetModels, GetDocumentationParts, recorded), others take it as the default
/// (GetApiKeys with `limit=-1`, GetDomainNames; recorded: test_negative_get_usage_plan_api_keys).
#[derive(Clone, Copy, PartialEq)]
pub enum Limit {
    Refused,
    Defaulted,
}

/// A page of an API Gateway list: 25 items by default, 500 at most, from `position`; AWS's
/// words when the limit or the position is refused.
pub fn apigateway<T>(
    items: Vec<T>,
    limit: Option<i32>,
    position: Option<&str>,
    out_of_range: Limit,
) -> Result<(Vec<T>, Option<String>), &'static str> {
    let size = match limit {
        None => 25,
        Some(size) if (1..=500).contains(&size) => size as usize,
        Some(_) if out_of_range == Limit::Defaulted => 25,
        Some(_) => return Err("Invalid limit: must be between 1 and 500"),
    };
    let offset = offset(position, items.len()).map_err(|()| "Invalid position parameter")?;
    Ok(page(items, offset, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_item_once_and_the_last_has_no_token() {
        let items: Vec<u32> = (0..7).collect();
        let (first, next) = page(items.clone(), 0, 3);
        assert_eq!((first, next.as_deref()), (vec![0, 1, 2], Some("faqctl-3")));
        let at = offset(next.as_deref(), 7).unwrap();
        let (second, next) = page(items.clone(), at, 3);
        assert_eq!((second, next.as_deref()), (vec![3, 4, 5], Some("faqctl-6")));
        let (last, next) = page(items.clone(), offset(next.as_deref(), 7).unwrap(), 3);
        assert_eq!((last, next), (vec![6], None));
        assert_eq!(page(items, 0, 7), ((0..7).collect(), None));
    }

    #[test]
    fn a_token_this_server_did_not_give_out_is_refused() {
        assert_eq!(offset(None, 3), Ok(0));
        assert_eq!(offset(Some("faqctl-3"), 3), Ok(3));
        assert_eq!(offset(Some("faqctl-4"), 3), Err(()));
        assert_eq!(offset(Some("eyJvZmZzZXQiOjF9"), 3), Err(()));
    }
}
