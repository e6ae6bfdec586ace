"""Certificates made on the spot: a CA, a server certificate for 127.0.0.1 signed by it, and
TLS switched on in an embedded PostgreSQL."""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from taxi_pipeline.local.postgres import ConnectionInfo, EmbeddedPostgres


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    pem: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return builder.not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(
        now + datetime.timedelta(days=2)
    )


def make_authority(folder: Path, name: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        _validity(x509.CertificateBuilder())
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = folder / f"{name}.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return Authority(key, certificate, pem)


def enable_tls(pg: EmbeddedPostgres, info: ConnectionInfo, authority: Authority) -> None:
    """Give the server a certificate for 127.0.0.1 signed by ``authority`` and switch TLS on."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        _validity(x509.CertificateBuilder())
        .subject_name(_name("127.0.0.1"))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(authority.key, hashes.SHA256())
    )
    owner = pg.data_dir.stat().st_uid
    files = {
        "server.crt": certificate.public_bytes(serialization.Encoding.PEM),
        "server.key": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    }
    for name, content in files.items():
        path = pg.data_dir / name
        path.write_bytes(content)
        os.chown(path, owner, -1)
        path.chmod(0o600)
    with psycopg.connect(info.url("postgres"), autocommit=True) as conn:
        conn.execute("alter system set ssl_cert_file = 'server.crt'")
        conn.execute("alter system set ssl_key_file = 'server.key'")
        conn.execute("alter system set ssl = on")
        conn.execute("select pg_reload_conf()")
