//! A capture as HAR 1.2 (the HTTP Archive browsers' developer tools and proxies read), one
//! entry per exchange. Only what HAR can say is kept; the JSON Lines file stays the reference.

use serde_json::{Value, json};

use crate::message::Message;
use crate::reader::Capture;

/// The capture's exchanges as a HAR 1.2 document. `hosts` names each hop's server for the
/// entries' URLs (`requests` → `https://connector:8443`), since a captured request keeps only
/// its path.
pub fn to_har(capture: &Capture, base_url: &dyn Fn(crate::Hop) -> String) -> Value {
    let entries: Vec<Value> = capture
        .exchanges()
        .iter()
        .map(|ex| {
            let req = ex.request;
            let url = format!(
                "{}{}",
                base_url(req.hop),
                req.path.as_deref().unwrap_or("/")
            );
            let response = match ex.response {
                Some((_, r)) => response(r),
                None => json!({
                    "status": 0, "statusText": "no answer recorded", "httpVersion": "HTTP/1.1",
                    "headers": [], "cookies": [],
                    "content": {"size": 0, "mimeType": "x-unknown"},
                    "redirectURL": "", "headersSize": -1, "bodySize": -1
                }),
            };
            let wait = ex.response.and_then(|(_, r)| r.latency_ms).unwrap_or(-1.0);
            let mut entry = json!({
                "startedDateTime": req.t,
                "time": wait.max(0.0),
                "request": {
                    "method": req.method.as_deref().unwrap_or("POST"),
                    "url": url,
                    "httpVersion": "HTTP/1.1",
                    "headers": headers(req),
                    "queryString": [],
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": req.body_bytes().len(),
                    "postData": {
                        "mimeType": req.header("content-type").unwrap_or(""),
                        "text": text(req),
                    }
                },
                "response": response,
                "cache": {},
                "timings": {"send": 0, "wait": wait, "receive": 0},
                "comment": format!("hop {}, exchange {}", req.hop.as_str(), req.exchange),
            });
            if let Some(conn) = req.conn {
                entry["connection"] = json!(conn.to_string());
            }
            if let Some(peer) = &req.peer {
                entry["_peer"] = json!(peer);
            }
            entry
        })
        .collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "crmsim", "version": capture.header.crmsim_version},
            "pages": [],
            "entries": entries,
            "comment": format!("written from {} ({})", capture.path.display(), capture.header.writer),
        }
    })
}

fn response(r: &Message) -> Value {
    json!({
        "status": r.status.unwrap_or(0),
        "statusText": r.error.as_deref().unwrap_or(""),
        "httpVersion": "HTTP/1.1",
        "headers": headers(r),
        "cookies": [],
        "content": {
            "size": r.body_bytes().len(),
            "mimeType": r.header("content-type").unwrap_or(""),
            "text": text(r),
        },
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": r.body_bytes().len(),
    })
}

fn headers(m: &Message) -> Vec<Value> {
    m.headers
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect()
}

fn text(m: &Message) -> String {
    match (&m.body, &m.body_base64) {
        (Some(t), _) => t.clone(),
        (None, Some(b)) => b.clone(),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Hop;

    #[test]
    fn an_exchange_becomes_one_entry_with_request_response_and_timing() {
        let text = concat!(
            r#"{"type":"capture","format":1,"writer":"t","crmsim_version":"0.1.0","started":"2026-12-06T00:00:00Z","redacted":true}"#,
            "\n",
            r#"{"type":"message","t":"2026-12-06T00:00:00.000001Z","hop":"requests","dir":"request","exchange":1,"conn":4,"method":"POST","path":"/ici","headers":[["content-type","text/xml"]],"body":"<a/>"}"#,
            "\n",
            r#"{"type":"message","t":"2026-12-06T00:00:00.100000Z","hop":"requests","dir":"response","exchange":1,"status":200,"headers":[],"body":"<b/>","latency_ms":2.5}"#,
            "\n"
        );
        let c = Capture::parse(std::path::Path::new("c.jsonl"), text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let har = to_har(&c, &|hop| match hop {
            Hop::Requests => "https://connector:8443".into(),
            Hop::Events => "https://crm:9443".into(),
        });
        let e = &har["log"]["entries"][0];
        assert_eq!(har["log"]["version"], "1.2");
        assert_eq!(e["request"]["url"], "https://connector:8443/ici");
        assert_eq!(e["request"]["postData"]["text"], "<a/>");
        assert_eq!(e["response"]["status"], 200);
        assert_eq!(e["response"]["content"]["text"], "<b/>");
        assert_eq!(e["timings"]["wait"], 2.5);
        assert_eq!(e["connection"], "4");
    }
}
