"""Small pure pieces of the live source: endpoints, proxies, backoff, error classification, XML."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preflight.errors import PreflightError
from preflight.run import parse_endpoints
from preflight.sources.live import parse_bucket_info, plan_requests
from preflight.sources.live_clients import Endpoint, parse_endpoint, proxy_for
from preflight.sources.live_errors import CallError, Kind, RetryPolicy, call_with_retries, classify, reason


@pytest.mark.parametrize(
    ("value", "scheme", "host"),
    [
        ("http://127.0.0.1:8765", "http", "127.0.0.1:8765"),
        ("http://127.0.0.1:8765/", "http", "127.0.0.1:8765"),
        ("ecs-vpc.cn-hangzhou.aliyuncs.com", "https", "ecs-vpc.cn-hangzhou.aliyuncs.com"),
        ("https://ecs-vpc.{region}.aliyuncs.com", "https", "ecs-vpc.{region}.aliyuncs.com"),
        ("http://[::1]:80", "http", "[::1]:80"),
    ],
)
def test_endpoints(value: str, scheme: str, host: str) -> None:
    assert parse_endpoint("ecs", value) == Endpoint(scheme, host)


def test_endpoint_options_for_the_cli() -> None:
    assert parse_endpoints(["ECS=http://127.0.0.1:1", "oss = http://localhost:2"]) == {
        "ecs": "http://127.0.0.1:1",
        "oss": "http://localhost:2",
    }
    for bad in ("ecs", "ecs=", "=http://x", "vpc=http://x"):
        with pytest.raises(PreflightError):
            parse_endpoints([bad])


def test_region_placeholder_and_loopback() -> None:
    ep = parse_endpoint("oss", "https://oss-{region}-internal.aliyuncs.com").for_region("cn-beijing")
    assert ep.url == "https://oss-cn-beijing-internal.aliyuncs.com" and not ep.is_loopback
    assert parse_endpoint("ecs", "http://localhost:1").is_loopback
    assert parse_endpoint("ecs", "http://[::1]:1").is_loopback


@pytest.mark.parametrize(
    ("url", "no_proxy", "expected"),
    [
        ("https://ecs.cn-hangzhou.aliyuncs.com", "", "http://proxy:3128"),
        ("https://ecs.cn-hangzhou.aliyuncs.com", ".aliyuncs.com", None),
        ("https://ecs.cn-hangzhou.aliyuncs.com", "aliyuncs.com", None),
        ("https://ecs.cn-hangzhou.aliyuncs.com", "example.com,*", None),
        ("https://ecs.cn-hangzhou.aliyuncs.com", "cs.com", "http://proxy:3128"),
        ("http://127.0.0.1:8765", "", None),
        ("http://10.0.0.5:80", "10.0.0.5", None),
    ],
)
def test_proxy_honours_no_proxy_and_loopback(url: str, no_proxy: str, expected: str | None) -> None:
    proxies = {"https": "http://proxy:3128", "http": "http://proxy:3128", "no": no_proxy}
    scheme, _, host = url.partition("://")
    assert proxy_for(Endpoint(scheme, host), proxies) == expected


@given(st.integers(min_value=1, max_value=30), st.floats(min_value=0, max_value=1))
def test_backoff_is_jittered_exponential_and_bounded(retry: int, rand: float) -> None:
    policy = RetryPolicy(retries=3, base_delay_s=0.2, max_delay_s=5.0)
    ceiling = min(5.0, 0.2 * 2 ** (retry - 1))
    assert ceiling / 2 <= policy.delay(retry, lambda: rand) <= ceiling


def test_retries_are_bounded_and_only_for_transient_errors() -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    def Throttled() -> Exception:
        return ClientException(code="Throttling.User", status_code=400, message="throttled")

    def Denied() -> Exception:
        return ClientException(code="Forbidden.RAM", status_code=403, message="denied")

    calls: list[int] = []

    def throttled() -> None:
        calls.append(1)
        raise Throttled()

    out = call_with_retries(throttled, RetryPolicy(retries=2), sleep=lambda _: None)
    assert out.error == CallError(Kind.THROTTLED, "Throttling.User", 400, attempts=3) and len(calls) == 3
    assert reason(out.error, "ecs:DescribeImages") == "throttled after 2 retries (Throttling.User)"

    calls.clear()

    def denied() -> None:
        calls.append(1)
        raise Denied()

    out = call_with_retries(denied, RetryPolicy(retries=2), sleep=lambda _: None)
    assert out.error is not None and out.error.kind is Kind.DENIED and len(calls) == 1
    assert (
        reason(out.error, "ecs:DescribeImages")
        == "AccessDenied: the credentials lack ecs:DescribeImages (Forbidden.RAM)"
    )


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("InvalidImageId.NotFound", 404, Kind.NOT_FOUND),
        ("EntityNotExist.Role", 404, Kind.NOT_FOUND),
        ("NoSuchBucket", 404, Kind.NOT_FOUND),
        ("InvalidAccessKeyId.NotFound", 404, Kind.AUTH),
        ("SignatureDoesNotMatch", 403, Kind.AUTH),
        ("Forbidden.RAM", 403, Kind.DENIED),
        ("NoPermission", 403, Kind.DENIED),
        ("AccessDenied", 403, Kind.DENIED),
        ("Throttling.User", 400, Kind.THROTTLED),
        ("SlowDown", 503, Kind.THROTTLED),
        ("ServiceUnavailable", 503, Kind.SERVER),
        ("InternalError", 500, Kind.SERVER),
        ("InvalidParameter", 400, Kind.OTHER),
    ],
)
def test_classify_service_errors(code: str, status: int, kind: Kind) -> None:
    error = type("ServiceError", (Exception,), {"code": code, "status_code": status})()
    assert classify(error).kind is kind


def test_bucket_info_xml_keeps_the_element_names() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><BucketInfo><Bucket><Name>b</Name><Location>oss-cn-hangzhou</Location>'
        b"<Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><AccessControlList><Grant>private</Grant>"
        b"</AccessControlList><ServerSideEncryptionRule><SSEAlgorithm>KMS</SSEAlgorithm><KMSMasterKeyID></KMSMasterKeyID>"
        b"</ServerSideEncryptionRule><Tag>a</Tag><Tag>b</Tag></Bucket></BucketInfo>"
    )
    assert parse_bucket_info(body) == {
        "Name": "b",
        "Location": "oss-cn-hangzhou",
        "Owner": {"ID": "1", "DisplayName": "1"},
        "AccessControlList": {"Grant": "private"},
        "ServerSideEncryptionRule": {"SSEAlgorithm": "KMS", "KMSMasterKeyID": ""},
        "Tag": ["a", "b"],
    }


def test_plan_dedupes_and_defaults_the_role() -> None:
    plan = plan_requests(
        [
            {"RegionId": "r1", "ImageId": "m-1", "OSSBucket": "b1"},
            {"RegionId": "r2", "ImageId": "m-1", "OSSBucket": "b1", "RoleName": ""},
            {"RegionId": "r1", "ImageId": "m-1", "OSSBucket": "b2", "RoleName": "R"},
        ]
    )
    assert plan.regions == ("r1", "r2")
    assert plan.images == {"r1": ("m-1",), "r2": ("m-1",)}
    assert plan.roles == ("AliyunECSImageExportDefaultRole", "R")
    assert plan.buckets == {"b1": "r1", "b2": "r1"}
