"""What a model's answer cost: ``cost_usd`` from the ``genai-prices`` package (its price data ships with it, so
pricing never needs the network), by provider, model and usage.

The provider is found by the server's URL when one is given (``base_url``: OpenRouter, Groq, Together ... are
priced as themselves), else by the API the agent speaks (``openai``, ``anthropic``); a model it does not know (a
local model, a test double) has no cost.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

__all__ = ["cost_usd"]

log = logging.getLogger("agentforum_nb")
_unknown: set[tuple[str, str | None, str]] = set()  # models looked up once and not found (a lookup is slow)


def cost_usd(provider: str, base_url: str | None, model: str, usage: Mapping[str, Any]) -> float | None:
    """The price in US dollars of ``usage`` (input and output tokens) of ``model``, or ``None`` when unknown."""
    inputs, outputs = usage.get("input_tokens"), usage.get("output_tokens")
    if type(inputs) is not int or type(outputs) is not int:
        return None
    key = (provider, base_url, model)
    if key in _unknown:
        return None
    try:
        from genai_prices import Usage, calc_price
    except ImportError:  # pragma: no cover - a dependency of the package
        return None
    tokens = Usage(input_tokens=inputs, output_tokens=outputs)
    attempts: list[dict[str, Any]] = [{"provider_id": provider}]
    if base_url:
        attempts.insert(0, {"provider_api_url": base_url})
    for where in attempts:
        try:
            return float(calc_price(tokens, model_ref=model, **where).total_price)
        except LookupError:
            continue
        except Exception:  # a problem of the price data: no cost, never a failed answer
            log.exception("agentforum_nb: pricing %s of %s failed", model, provider)
            break
    _unknown.add(key)
    return None
