"""Webhooks: which URLs a run may call, and calling them with retries.

A run created with ``webhook: <url>`` POSTs the finished run to that URL. The URL is checked
when the run is created (422 if refused) and again before each call (its name may resolve
elsewhere by then), against ``WebhookPolicy``, which is LangGraph's ``webhooks`` config
(``langgraph.json``: ``{"webhooks": {"url": {...}, "headers": {...}, "allowed_fields": [...],
"env_prefix": "LG_WEBHOOK_"}}``) with LangGraph's defaults:

- never: link-local (169.254/16, fe80::/10: cloud metadata services live there),
  multicast, reserved and unspecified addresses, and the metadata host names;
- loopback (127/8, ::1, ``localhost``) unless ``url.disable_loopback`` is false;
- private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) only if
  ``url.disable_private_ips`` is true;
- ``url.allowed_domains`` (``hooks.example.com``, ``*.example.com``), ``url.allowed_ports``,
  ``url.require_https``, ``url.max_url_length`` when given.

A call that fails (no connection, a timeout, 429 or 5xx) is retried after 1, 2, 4 and 8 s;
each failure is logged with the run's id (WARNING), the success too (INFO), and giving up
(ERROR). Other statuses (4xx) are logged and not retried: the receiver refused the body.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ("DELAYS", "WebhookPolicy", "WebhookRefused", "post_with_retries")

logger = logging.getLogger(__name__)

DELAYS = (1.0, 2.0, 4.0, 8.0)
_NEVER = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "169.254.0.0/16",
        "192.0.0.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "fe80::/10",
        "ff00::/8",
        "64:ff9b:1::/48",
    )
)
_LOOPBACK = tuple(ipaddress.ip_network(n) for n in ("127.0.0.0/8", "::1/128"))
_PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
_METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.amazonaws.com"})
_LOOPBACK_HOSTS = frozenset({"localhost", "localhost.localdomain", "host.docker.internal"})
_TEMPLATE = re.compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class WebhookRefused(ValueError):
    """A webhook URL the policy does not allow (the message says why)."""


@dataclass(frozen=True)
class WebhookPolicy:
    """Where webhooks may go and what they carry (see the module docstring)."""

    allowed_domains: tuple[str, ...] = ()
    allowed_ports: tuple[int, ...] = ()
    require_https: bool = False
    max_url_length: int = 4096
    disable_loopback: bool = True
    disable_private_ips: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    allowed_fields: frozenset[str] | None = None

    @classmethod
    def from_config(cls, config: Any) -> WebhookPolicy:
        """From ``langgraph.json``'s ``webhooks`` object (``ValueError`` if malformed)."""
        if config is None:
            return cls()
        if not isinstance(config, dict):
            raise ValueError('"webhooks" must be an object')
        url = config.get("url") or {}
        domains = url.get("allowed_domains") or []
        if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
            raise ValueError('"webhooks.url.allowed_domains" must be a list of host names')
        if any("*" in d and not d.startswith("*.") for d in domains):
            raise ValueError('"webhooks.url.allowed_domains": a wildcard must be "*.domain"')
        prefix = config.get("env_prefix", "LG_WEBHOOK_")
        fields = config.get("allowed_fields")
        return cls(
            allowed_domains=tuple(d.lower() for d in domains),
            allowed_ports=tuple(int(p) for p in url.get("allowed_ports") or ()),
            require_https=bool(url.get("require_https", False)),
            max_url_length=int(url.get("max_url_length", 4096)),
            disable_loopback=bool(url.get("disable_loopback", True)),
            disable_private_ips=bool(url.get("disable_private_ips", False)),
            headers={k: _expand(str(v), prefix) for k, v in (config.get("headers") or {}).items()},
            allowed_fields=None if fields is None else frozenset(fields),
        )

    async def check(self, url: str) -> None:
        """``WebhookRefused`` unless ``url`` may be called (its host resolved and every
        address it has checked)."""
        if len(url) > self.max_url_length:
            raise WebhookRefused("Webhook URL too long")
        if url.startswith("/"):
            raise WebhookRefused(
                "Relative webhook URLs (calls to this server itself) are not supported"
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise WebhookRefused(f"Webhook URL must be http or https, not {parts.scheme!r}")
        if self.require_https and parts.scheme != "https":
            raise WebhookRefused("Webhook must use https")
        host = (parts.hostname or "").lower()
        if not host:
            raise WebhookRefused(f"Invalid webhook hostname {host!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise WebhookRefused("Invalid webhook port") from None
        if self.allowed_ports and port not in self.allowed_ports:
            raise WebhookRefused(f"Webhook port {port} not allowed")
        if self.allowed_domains and not any(
            host == d or (d.startswith("*.") and host.endswith(d[1:])) for d in self.allowed_domains
        ):
            raise WebhookRefused("Webhook domain not allowed")
        if host in _METADATA_HOSTS:
            raise WebhookRefused("Webhook host blocked: cloud metadata endpoint")
        if host in _LOOPBACK_HOSTS and self.disable_loopback:
            raise WebhookRefused(_LOOPBACK_REFUSED)
        for address in await _addresses(host, port):
            self._check_address(address)

    def _check_address(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            address = mapped
        if any(address in net for net in _NEVER if net.version == address.version):
            raise WebhookRefused("Webhook host blocked: blocked IP range")
        if self.disable_loopback and any(
            address in net for net in _LOOPBACK if net.version == address.version
        ):
            raise WebhookRefused(_LOOPBACK_REFUSED)
        if self.disable_private_ips and any(
            address in net for net in _PRIVATE if net.version == address.version
        ):
            raise WebhookRefused("Webhook host blocked: private IP range")

    def payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self.allowed_fields is None:
            return payload
        return {k: v for k, v in payload.items() if k in self.allowed_fields}


_LOOPBACK_REFUSED = (
    "Loopback webhooks (localhost and 127.0.0.0/8) are disabled by default: set "
    "webhooks.url.disable_loopback to false in langgraph.json to allow them"
)


def _expand(value: str, prefix: str) -> str:
    """A header value with ``${{ env.NAME }}`` replaced (``NAME`` must have ``prefix``)."""

    def variable(match: re.Match[str]) -> str:
        name = match[1]
        if not name.startswith(prefix):
            raise ValueError(f"webhooks.headers: ${{{{ env.{name} }}}} must start with {prefix}")
        return os.environ.get(name, "")

    return _TEMPLATE.sub(variable, value)


async def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise WebhookRefused(f"Webhook host {host!r} does not resolve ({error})") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def post_with_retries(
    send: Callable[[], Awaitable[int]],
    *,
    label: str,
    delays: tuple[float, ...] = DELAYS,
) -> bool:
    """Call ``send`` (one POST; its status) until it succeeds, retrying transport errors,
    429 and 5xx after each of ``delays``; True once delivered. ``label`` names the run and
    the URL in the log."""
    import httpx

    for attempt in range(len(delays) + 1):
        try:
            status = await send()
        except (httpx.HTTPError, OSError) as error:
            problem = f"{type(error).__name__}: {error}"
        else:
            if status < 400:
                logger.info("%s delivered (%d)", label, status)
                return True
            if status != 429 and status < 500:
                logger.warning("%s answered %d: not retried", label, status)
                return False
            problem = f"answered {status}"
        if attempt == len(delays):
            break
        logger.warning("%s failed (%s): retrying in %g s", label, problem, delays[attempt])
        await asyncio.sleep(delays[attempt])
    logger.error("%s failed %d times (%s): giving up", label, len(delays) + 1, problem)
    return False
