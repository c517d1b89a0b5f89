"""What an S3 error means for an operator: a stable problem name and advice built from the error's class and code
only (messages may echo key ids), for the ``StoreUnavailable`` problems of ``S3DocumentStore``."""

from __future__ import annotations

from botocore.exceptions import ClientError, NoCredentialsError

DENIED_CODES = frozenset(
    {"AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
)


def error_code(exc: Exception) -> str:
    if not isinstance(exc, ClientError):
        return ""
    return str(exc.response.get("Error", {}).get("Code", ""))


def problem_name(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in DENIED_CODES:
            return "access-denied"
        return "bucket-missing" if code in {"NoSuchBucket", "404", "NotFound"} else "s3-error"
    return "no-credentials" if isinstance(exc, NoCredentialsError) else "unreachable"


def advice(exc: Exception) -> str:
    """An actionable reason built from the error class and code only (messages may echo key ids)."""
    problem = problem_name(exc)
    if problem == "access-denied":
        return (
            f"access denied ({error_code(exc)}); check NOTICE_S3_ACCESS_KEY/NOTICE_S3_SECRET_KEY "
            "and that this identity may read and write the bucket"
        )
    if problem == "bucket-missing":
        return "the bucket does not exist; create it with Object Lock (notice-service init)"
    if problem == "no-credentials":
        return "no S3 credentials configured; set NOTICE_S3_ACCESS_KEY and NOTICE_S3_SECRET_KEY"
    if problem == "unreachable":
        return f"endpoint unreachable ({type(exc).__name__}); check NOTICE_S3_ENDPOINT_URL and the network"
    return f"S3 answered {error_code(exc)}"
