"""The same document paths against an S3-compatible store over HTTP, through django-storages'
S3 backend (what production uses with TANDEM_DOCUMENTS_S3_BUCKET).

MinIO is the issue's first choice, but neither PyPI nor Debian ships its server (PyPI has only
its client SDK), and nothing else can be downloaded here; moto's standalone server (PyPI) speaks
the S3 REST API on a local port instead. It is a real HTTP server that boto3 talks to exactly
as it talks to S3 or MinIO (signed requests, multipart upload, GET by key), not a patched
client."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile

import pytest
from django.urls import reverse

from clients.models import AccessLog
from documents.models import SharedDocument, documents_storage
from documents.services import document_share, document_sign
from documents.tests.conftest import PDF, TEXT, upload
from notifications.tests.fixtures import free_port
from workspace.record import client_record_zip

pytestmark = pytest.mark.django_db



@pytest.fixture
def s3_store(settings):
    boto3 = pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    port = free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test",
                   "region_name": "us-east-1"}
    # moto keeps its buckets per process: a bucket of this test's own.
    bucket = f"tandem-documents-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, **credentials).create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": bucket, "endpoint_url": endpoint,
                    "access_key": "test", "secret_key": "test", "region_name": "us-east-1",
                    "default_acl": "private", "querystring_auth": True,
                    "file_overwrite": False}}}
    try:
        yield boto3.client("s3", endpoint_url=endpoint, **credentials), bucket
    finally:
        server.stop()


def test_share_download_sign_and_export_through_s3(s3_store, client, client_user, clinician):
    from storages.backends.s3 import S3Storage

    s3, bucket = s3_store
    assert isinstance(documents_storage(), S3Storage)
    document = document_share(by=clinician, client=client_user,
                              file=upload("release.pdf", PDF), title="Release",
                              service_line="therapy", signature_requested=True)
    # In the bucket under the random name only, private.
    listed = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == [document.storage_name]
    stored = s3.get_object(Bucket=bucket, Key=document.storage_name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == document.sha256

    client.force_login(clinician)
    response = client.get(reverse("documents:download", args=[document.public_id]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert AccessLog.objects.filter(by=clinician, what="document").count() == 1

    signature = document_sign(client=client_user, document=document, typed_name="Alex Morgan",
                              understood=True, ip_address=None, user_agent="")
    assert signature.sha256 == document.sha256

    document_share(by=client_user, client=client_user, file=upload("letter.txt", TEXT),
                   title="Letter", service_line="coaching")
    assert SharedDocument.objects.count() == 2
    archive = zipfile.ZipFile(io.BytesIO(client_record_zip(client=client_user)))
    files = sorted(name for name in archive.namelist() if name.startswith("documents/"))
    assert sorted(archive.read(name) for name in files) == sorted([PDF, TEXT])


def test_a_refused_file_never_reaches_the_bucket(s3_store, client_user, clinician):
    from django.core.exceptions import ValidationError

    s3, bucket = s3_store
    with pytest.raises(ValidationError):
        document_share(by=clinician, client=client_user, file=upload("x.pdf", b"MZ\x90"),
                       title="X", service_line="therapy")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
