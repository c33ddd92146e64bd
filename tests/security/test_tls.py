"""NATS over TLS as `deploy-config` sets it up: the services verify the server's certificate.

A real nats-server runs with the certificate `write_tls` issued; a client with the deployment's
CA (NATS_TLS_CA) connects and round-trips, one trusting another CA is refused, and `deploy-config`
writes the files compose mounts with the private keys at mode 0600.
"""

from __future__ import annotations

import argparse
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.cli.deploy import cmd_deploy_config
from services.cli.tls import CA_FILE, CA_KEY_FILE, CERT_FILE, DEFAULT_HOSTS, KEY_FILE, write_tls
from shared.bus import BusUnavailable, connect
from shared.config import load_settings
from shared.embedded import NatsServer


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NatsServer, Path]]:
    root = tmp_path_factory.mktemp("tls")
    tls = write_tls(root / "tls", DEFAULT_HOSTS)
    server = NatsServer(root / "nats", host="127.0.0.1", tls=(tls / CERT_FILE, tls / KEY_FILE)).start()
    try:
        yield server, tls
    finally:
        server.stop()


class TestTls:
    async def test_a_client_with_the_deployment_ca_connects_over_tls(self, tls_server: tuple[NatsServer, Path]) -> None:
        """NATS_TLS_CA = deploy/tls/ca.pem and a tls:// URL: the handshake verifies and messages flow."""
        server, tls = tls_server
        assert server.url.startswith("tls://")
        nc = await connect(load_settings({"NATS_TLS_CA": str(tls / CA_FILE)}), "tls-test", url=server.url,
                           first_connect_timeout_s=5)
        try:
            sub = await nc.subscribe("tls.check")
            await nc.publish("tls.check", b"over tls")
            msg = await sub.next_msg(timeout=2)
            assert msg.data == b"over tls"
        finally:
            await nc.close()

    @pytest.mark.slow  # over 3 s: kept out of make test-fast, run by make test
    async def test_a_client_trusting_another_ca_is_refused(
        self, tls_server: tuple[NatsServer, Path], tmp_path: Path
    ) -> None:
        """A certificate the client's CA did not sign fails verification: no connection."""
        server, _tls = tls_server
        other = write_tls(tmp_path / "other", DEFAULT_HOSTS)
        with pytest.raises(BusUnavailable):
            await connect(load_settings({"NATS_TLS_CA": str(other / CA_FILE)}), "tls-wrong-ca", url=server.url,
                          first_connect_timeout_s=3)

    async def test_deploy_config_writes_the_tls_files_compose_mounts(self, tmp_path: Path) -> None:
        """deploy-config: ca.pem and server-cert.pem, the keys 0600, and a tls block in nats.conf;
        a second run keeps the CA (services need no new ca.pem) and re-issues the server cert."""
        args = argparse.Namespace(out=str(tmp_path / "deploy"), tls_host=["nats.example.internal"], no_tls=False)
        assert await cmd_deploy_config(load_settings({}), args) == 0
        tls = tmp_path / "deploy" / "tls"
        for name in (CA_KEY_FILE, KEY_FILE):
            assert stat.S_IMODE((tls / name).stat().st_mode) == 0o600, name
        ca_before = (tls / CA_FILE).read_bytes()
        conf = (tmp_path / "deploy" / "nats.conf").read_text(encoding="utf-8")
        assert 'cert_file: "/etc/nats/tls/server-cert.pem"' in conf
        assert await cmd_deploy_config(load_settings({}), args) == 0
        assert (tls / CA_FILE).read_bytes() == ca_before
        from cryptography import x509

        cert = x509.load_pem_x509_certificate((tls / CERT_FILE).read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "nats" in names.get_values_for_type(x509.DNSName)
        assert "nats.example.internal" in names.get_values_for_type(x509.DNSName)
