"""Finding 5: TLS 1.2+ only, ECDHE + AEAD in TLS 1.2, TLS 1.3, HSTS."""
from __future__ import annotations

import ssl
import subprocess
import urllib.request
from pathlib import Path

import pytest

from conftest import Server, start_server


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory):
    directory: Path = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    # An RSA certificate: RSA key exchange would be possible if the server allowed it.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = start_server(["--tls-cert", str(cert), "--tls-key", str(key)], tls=True)
    yield server
    server.stop()


def s_client(server: Server, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", "-servername", "localhost",
                           *options], input="", capture_output=True, text=True, timeout=30)


# SECLEVEL=0 so the client really offers old protocols and ciphers: the refusal must be the server's.
@pytest.mark.parametrize("version", ["-tls1", "-tls1_1"])
def test_old_protocol_versions_are_refused(tls_server: Server, version: str) -> None:
    result = s_client(tls_server, version, "-cipher", "DEFAULT:@SECLEVEL=0")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "alert protocol version" in output or "unsupported protocol" in output, output
    assert "Cipher is" not in output or "Cipher is (NONE)" in output


@pytest.mark.parametrize("cipher", ["AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA",
                                    "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA", "AES128-SHA256"])
def test_tls12_rsa_key_exchange_and_cbc_are_refused(tls_server: Server, cipher: str) -> None:
    result = s_client(tls_server, "-tls1_2", "-cipher", f"{cipher}:@SECLEVEL=0")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "handshake failure" in output or "no shared cipher" in output, output


@pytest.mark.parametrize("cipher", ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                                    "ECDHE-RSA-CHACHA20-POLY1305"])
def test_tls12_ecdhe_aead_is_accepted(tls_server: Server, cipher: str) -> None:
    result = s_client(tls_server, "-tls1_2", "-cipher", cipher)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Cipher is {cipher}" in result.stdout


def test_tls13_is_accepted(tls_server: Server) -> None:
    result = s_client(tls_server, "-tls1_3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "TLSv1.3" in result.stdout


def test_hsts_and_nosniff_over_https(tls_server: Server) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(f"https://127.0.0.1:{tls_server.port}/health", context=context, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
