//! Answers for requests that miss the endpoint: a wrong path or a method other than POST.
//!
//! axum answers both with an empty body, which tells someone trying a URL with curl on a
//! go-live night nothing; these name the server and the one endpoint it has.

use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// A fallback handler for `router.fallback(..)`: 404 naming the endpoint.
pub fn wrong_path(
    server: &str,
    endpoint: &str,
) -> impl Fn(Method, Uri) -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
    let (server, endpoint) = (server.to_owned(), endpoint.to_owned());
    move |method: Method, uri: Uri| {
        let text = format!(
            "{server}: nothing at {method} {}; this server's only endpoint is POST {endpoint} (SOAP)\n",
            uri.path()
        );
        std::future::ready(plain(StatusCode::NOT_FOUND, text))
    }
}

/// A method fallback for `post(..).fallback(..)`: 405 saying POST.
pub fn not_post(
    server: &str,
) -> impl Fn(Method, Uri) -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
    let server = server.to_owned();
    move |method: Method, uri: Uri| {
        let text = format!(
            "{server}: {method} {} is not served; ICI messages are POSTed here as SOAP\n",
            uri.path()
        );
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, text);
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        std::future::ready(response)
    }
}

fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}
