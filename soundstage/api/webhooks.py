"""Webhook delivery: signed POSTs of finished jobs, retried with exponential backoff from the outbox.

Try n (0-based) that fails is retried after ``base * 2**n``: with the default base of 14 s the ten
tries span about two hours (fal: "retried 10 times over 2 hours"). The outbox row is written in the
same transaction that finishes the job, so a restart loses no delivery.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import time

import httpx

from soundstage.api.wire import webhook_body
from soundstage.errors import SoundstageError, StoreUnavailable
from soundstage.jobs.aio import AsyncJobs
from soundstage.jobs.models import Delivery
from soundstage.settings import Settings
from soundstage.signing import Signer
from soundstage.storage.fetch import check_url
from soundstage.storage.urls import resolve_refs

__all__ = ["Deliverer", "next_attempt_at"]

log = logging.getLogger("soundstage.webhooks")

IDLE_SECONDS = 0.25
TIMEOUT_SECONDS = 15.0


def next_attempt_at(now: float, attempts_made: int, settings: Settings) -> float | None:
    """When to try again after ``attempts_made`` failed tries; None once all tries are spent."""
    if attempts_made >= settings.webhook_attempts:
        return None
    return now + settings.webhook_base_delay_seconds * 2 ** (attempts_made - 1)


class Deliverer:
    def __init__(self, jobs: AsyncJobs, signer: Signer, settings: Settings) -> None:
        self.jobs, self.signer, self.settings = jobs, signer, settings

    async def run(self, stop: asyncio.Event) -> None:
        # Built off the loop: loading the CA bundle (and httpcore's first imports) blocked it for 0.3-0.7 s
        # while the server was already answering (issue 9, measured).
        client = await self.jobs.run(functools.partial(httpx.AsyncClient, timeout=TIMEOUT_SECONDS,
                                                       follow_redirects=False, trust_env=False))
        async with client:
            while not stop.is_set():
                try:
                    due = await self.jobs.due(time.time())
                except StoreUnavailable as e:  # a database restart: deliveries wait in the outbox
                    log.warning("webhooks: %s", e)
                    due = []
                await asyncio.gather(*(self.deliver(client, d) for d in due))
                if not due:
                    try:
                        await asyncio.wait_for(stop.wait(), IDLE_SECONDS)
                    except TimeoutError:
                        pass

    async def deliver(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        try:
            await self.jobs.run(check_url, delivery.url, "fal_webhook", self.settings.allow_private_urls,
                                frozenset(self.settings.allowed_hosts))
            job = await self.jobs.get(delivery.owner, delivery.job_id)
            # File URLs on the address configured now, else the one the job was submitted to (storage.urls).
            base = self.settings.files_url or self.settings.public_url or job.base_url
            job = dataclasses.replace(job, result=resolve_refs(job.result, base))
            body = json.dumps(webhook_body(job)).encode()
            headers = {"Content-Type": "application/json",
                       **self.signer.sign_webhook(job.id, delivery.owner, body)}
            response = await client.post(delivery.url, content=body, headers=headers)
            if response.is_success:
                await self.jobs.delivered(delivery.job_id)
                return
            error = f"HTTP {response.status_code}"
        except (httpx.HTTPError, SoundstageError) as e:
            error = f"{type(e).__name__}: {e}"
        attempts = delivery.attempts + 1
        log.warning("webhook for %s failed (try %d): %s", delivery.job_id, attempts, error)
        await self.jobs.retry_later(delivery.job_id, next_attempt_at(time.time(), attempts, self.settings),
                                    error)
