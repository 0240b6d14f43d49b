//! API errors: the LUNA envelope `{"error_code", "desc", "detail"}` with its HTTP status. Every error of the
//! lower layers is mapped here, in one place, with an exhaustive match. The codes are listed in `server/ERRORS.md`.

use argus_engine::EngineError;
use argus_index::IndexError;
use argus_store::StoreError;
use serde_json::json;
use warp::http::StatusCode;

/// An error as the client sees it.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// LUNA error code.
    pub code: u32,
    /// Short category.
    pub desc: &'static str,
    /// The specific message.
    pub detail: String,
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn new(
        status: StatusCode,
        code: u32,
        desc: &'static str,
        detail: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            desc,
            detail: detail.into(),
        }
    }

    /// 12022: a body that does not validate.
    pub fn bad_json(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            12022,
            "Bad/incomplete input data",
            detail,
        )
    }

    /// 101: a query parameter that does not validate.
    pub fn bad_query(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, 101, "Bad/incomplete query", detail)
    }

    /// 11043: any other bad input.
    pub fn bad_input(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            11043,
            "Bad/incomplete input data",
            detail,
        )
    }

    /// 11002: no or wrong credentials.
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            11002,
            "Authorization failed",
            detail,
        )
    }

    /// 11036: a state-changing request without an account.
    pub fn account_required() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            11036,
            "Forbidden",
            "Luna-Account-Id header or credentials are required for requests which change the state of system",
        )
    }

    /// 12040: the credentials are valid but do not allow this.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, 12040, "Forbidden", detail)
    }

    /// 11020: an object does not exist (for this account).
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, 11020, "Object not found", detail)
    }

    /// 12001: no such route.
    pub fn no_route(method: &str, path: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            12001,
            "Resource not found",
            format!("{method} {path}"),
        )
    }

    /// 12023: the body is larger than the limit.
    pub fn too_large(limit: u64) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            12023,
            "Request entity too large",
            format!("the body exceeds {limit} bytes"),
        )
    }

    /// 19001: the API has it, this build does not.
    pub fn unsupported(what: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            19001,
            "Not supported by this build",
            format!("{what} is not supported by this build"),
        )
    }

    /// 1: something broke that is not the client's fault.
    pub fn internal(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            1,
            "Internal server error",
            detail,
        )
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        json!({"error_code": self.code, "desc": self.desc, "detail": self.detail})
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound { .. } => ApiError::not_found(e.to_string()),
            StoreError::Conflict { .. } => ApiError::new(
                StatusCode::CONFLICT,
                12016,
                "Unique constraint error",
                e.to_string(),
            ),
            StoreError::Unavailable(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                12017,
                "Store unavailable",
                e.to_string(),
            ),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        let detail = e.to_string();
        match e {
            EngineError::BadImage { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, 100010, "Invalid image", detail)
            }
            EngineError::TooLarge { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, 100011, "Image too large", detail)
            }
            EngineError::BadSample { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, 11044, "Invalid sample", detail)
            }
            EngineError::BadDescriptor { .. } => ApiError::new(
                StatusCode::BAD_REQUEST,
                12034,
                "Bad/incomplete input data",
                detail,
            ),
            EngineError::BadOption { .. } => ApiError::bad_input(detail),
            EngineError::Unsupported { what } => ApiError::unsupported(what),
            EngineError::ModelMissing { .. } | EngineError::RuntimeUnavailable { .. } => {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    19002,
                    "Engine unavailable",
                    detail,
                )
            }
            EngineError::Inference { .. } => ApiError::internal(detail),
        }
    }
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> ApiError {
        match e {
            IndexError::WrongDimension { .. } | IndexError::NotFinite => ApiError::new(
                StatusCode::BAD_REQUEST,
                12034,
                "Bad/incomplete input data",
                e.to_string(),
            ),
            IndexError::BadK { .. } => ApiError::bad_input(e.to_string()),
            IndexError::NotFound(_) => ApiError::not_found(e.to_string()),
            IndexError::BadConfig | IndexError::Device(_) => ApiError::internal(e.to_string()),
        }
    }
}
