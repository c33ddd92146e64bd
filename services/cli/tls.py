"""A private CA and a server certificate for NATS over TLS (`brandlens deploy-config`).

The CA signs one server certificate whose names are how the services reach NATS (``nats``
in compose, ``localhost``/127.0.0.1 from the host, plus any ``--tls-host``). The services
verify the server against ``ca.pem`` (NATS_TLS_CA); the CA key never leaves the deploy
directory and is only needed to issue a new server certificate.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server-cert.pem"
KEY_FILE = "server-key.pem"
DEFAULT_HOSTS = ["nats", "localhost", "127.0.0.1"]
_VALID = datetime.timedelta(days=825)  # the longest server-certificate life clients accept


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _san(hosts: list[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _load_or_create_ca(out: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca_path, key_path = out / CA_FILE, out / CA_KEY_FILE
    if ca_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey), f"{key_path} is not an EC key"
        return x509.load_pem_x509_certificate(ca_path.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "brandlens NATS CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + 10 * _VALID)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _pem_key(key))
    ca_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def write_tls(out: Path, hosts: list[str]) -> Path:
    """Write (or keep) the CA and issue a fresh server certificate for ``hosts``; returns ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _load_or_create_ca(out)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + _VALID)
        .add_extension(_san(hosts), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(out / KEY_FILE, _pem_key(key))
    (out / CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return out
