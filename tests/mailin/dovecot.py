"""A real IMAP server for the tests: Dovecot (Debian's dovecot-imapd, installed by
`make system-deps`) with its own configuration in a temporary folder, users from a file,
listening on a free loopback port; never the system service."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "engage", "imap-test-password"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
{mail_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dovecot:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.user, self.password = USER, PASSWORD
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        root = self.root
        for name in ("run", "state", "mail"):
            (root / name).mkdir(parents=True, exist_ok=True)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        mail_user = ""
        if os.getuid() == 0:  # Dovecot refuses mail access as root: use its own user
            owner = pwd.getpwnam("dovecot")
            os.chown(root / "mail", owner.pw_uid, owner.pw_gid)
            os.chmod(root, 0o755)  # noqa: S103 - Dovecot's users read it
            mail_user = "mail_uid = dovecot\nmail_gid = dovecot"
        config = root / "dovecot.conf"
        config.write_text(CONFIG.format(root=root, port=self.port, mail_user=mail_user))
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (root / "dovecot.log").read_text()
                        if (root / "dovecot.log").exists()
                        else ""
                    )
                    raise RuntimeError(
                        f"Dovecot did not start: {self.process.stderr!r} {log}"
                    ) from error
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self):  # type: ignore[no-untyped-def]
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def config(self) -> dict[str, object]:
        return {
            "MAIL_IN_IMAP_HOST": "127.0.0.1",
            "MAIL_IN_IMAP_PORT": self.port,
            "MAIL_IN_IMAP_TLS": False,
            "MAIL_IN_IMAP_USER": USER,
            "MAIL_IN_IMAP_PASSWORD": PASSWORD,
            "MAIL_IN_IMAP_TIMEOUT": 10.0,
        }

    def reset(self) -> None:
        """Every folder emptied and removed but INBOX (between tests)."""
        with self.client() as client:
            for _flags, _sep, name in client.list_folders():
                client.select_folder(name)
                uids = client.search(["ALL"])
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
                client.unselect_folder()
                if name != "INBOX":
                    client.delete_folder(name)

    def append(self, raw: bytes, when=None, folder: str = "INBOX") -> None:  # type: ignore[no-untyped-def]
        with self.client() as client:
            client.append(folder, raw, msg_time=when)

    def count(self, folder: str) -> int:
        with self.client() as client:
            if not client.folder_exists(folder):
                return 0
            return len(client.select_folder(folder, readonly=True) and client.search(["ALL"]))

    def messages(self, folder: str) -> list[bytes]:
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            return [d[b"BODY[]"] for _, d in sorted(client.fetch(uids, ["BODY.PEEK[]"]).items())]
