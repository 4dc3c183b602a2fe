"""Builders of test inputs shared by several test modules."""
from __future__ import annotations

import io

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def warc(*items: tuple[str, str, str, str, bytes], gz: bool = False) -> bytes:
    """A crawl of (WARC-Type, record uuid, target URI, HTTP Content-Type, payload) records."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for rec_type, uuid, uri, content_type, body in items:
        http = None
        if rec_type == "response":
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        elif rec_type == "request":
            http = StatusAndHeaders(f"GET {uri} HTTP/1.1", [("Host", "x.cn")], is_http_request=True)
        writer.write_record(writer.create_warc_record(
            uri, rec_type, payload=io.BytesIO(body), http_headers=http,
            warc_content_type="" if http else "application/warc-fields",
            warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:{uuid}>", "WARC-Date": "2024-03-01T08:00:00Z"}))
    return buf.getvalue()
