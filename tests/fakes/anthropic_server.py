"""A local fake of the Anthropic Messages API: a real HTTP server on 127.0.0.1 that speaks the
wire format, so the real `anthropic` SDK can be pointed at it through its base URL.

It answers forced tool calls with inputs computed by per-tool responders (deterministic functions
of the request), reports usage like the API does (simulating prompt caching at `cache_control`
breakpoints), and can inject 429/500/529 errors, slow replies and schema-breaking answers.

    with running_fake_anthropic() as fake:
        client = anthropic.Anthropic(api_key=fake.api_key, base_url=fake.base_url)
        fake.fail(529, times=2)
"""

import hashlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], dict[str, Any]]
"""From the request body to the tool input to answer with."""

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}
CACHE_TTL_S = 300.0


def tokens(text: str) -> int:
    """Four characters a token: close enough to the real tokenizer for accounting tests."""
    return max(1, len(text) // 4)


@dataclass
class _Fault:
    status: int | None = None
    delay_s: float = 0.0
    answer: dict[str, Any] | None = None
    retry_after: float | None = None


@dataclass
class Recorded:
    """One request as received, and what was answered."""

    body: dict[str, Any]
    headers: dict[str, str]
    status: int
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def tool(self) -> str | None:
        choice = self.body.get("tool_choice") or {}
        return choice.get("name") if isinstance(choice, dict) else None


class FakeAnthropic:
    def __init__(
        self,
        responders: dict[str, Responder] | None = None,
        api_key: str = "sk-ant-test-fake",
        min_cacheable_tokens: int = 1024,
    ) -> None:
        self.api_key = api_key
        self.responders: dict[str, Responder] = dict(responders or {})
        self.min_cacheable_tokens = min_cacheable_tokens
        self.requests: list[Recorded] = []
        self._faults: deque[_Fault] = deque()
        self._prompt_cache: dict[str, float] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ---- scripting -----------------------------------------------------------------------

    def respond(self, tool: str, responder: Responder) -> None:
        self.responders[tool] = responder

    def fail(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        """The next `times` requests get this HTTP error."""
        with self._lock:
            self._faults.extend(
                _Fault(status=status, retry_after=retry_after) for _ in range(times)
            )

    def slow(self, seconds: float, times: int = 1) -> None:
        """The next `times` requests are answered only after `seconds`."""
        with self._lock:
            self._faults.extend(_Fault(delay_s=seconds) for _ in range(times))

    def answer_with(self, answer: dict[str, Any], times: int = 1) -> None:
        """The next `times` requests are answered with this tool input, whatever it is asked."""
        with self._lock:
            self._faults.extend(_Fault(answer=answer) for _ in range(times))

    def forget_prompt_cache(self) -> None:
        with self._lock:
            self._prompt_cache.clear()

    def calls(self, tool: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if tool is None or r.tool == tool]

    # ---- serving -------------------------------------------------------------------------

    def start(self) -> "FakeAnthropic":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(
        self, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            fault = self._faults.popleft() if self._faults else _Fault()
        if fault.delay_s:
            time.sleep(fault.delay_s)
        status, payload, extra = self._answer(body, headers, fault)
        with self._lock:
            self.requests.append(
                Recorded(body=body, headers=headers, status=status, usage=payload.get("usage", {}))
            )
        return status, payload, extra

    def _answer(
        self, body: dict[str, Any], headers: dict[str, str], fault: _Fault
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        # SDKs send the key as x-api-key or, in newer versions, as a bearer token.
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        if self.api_key not in {headers.get("x-api-key"), bearer}:
            return _error(401, "invalid x-api-key")
        if fault.status is not None:
            extra = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
            status, payload, _ = _error(fault.status, f"injected {fault.status}")
            return status, payload, extra
        problem = _invalid_request(body)
        if problem:
            return _error(400, problem)
        choice = body.get("tool_choice") or {}
        tool = choice.get("name") if choice.get("type") == "tool" else None
        if tool is None:
            content: list[dict[str, Any]] = [{"type": "text", "text": "ok"}]
            stop, output = "end_turn", "ok"
        else:
            answer = fault.answer if fault.answer is not None else self._tool_input(tool, body)
            with self._lock:
                call_id = f"toolu_fake_{next(self._ids):06d}"
            content = [{"type": "tool_use", "id": call_id, "name": tool, "input": answer}]
            stop, output = "tool_use", json.dumps(answer)
        with self._lock:
            message_id = f"msg_fake_{next(self._ids):06d}"
            usage = self._usage(body)
        usage["output_tokens"] = tokens(output)
        return (
            200,
            {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": usage,
            },
            {},
        )

    def _tool_input(self, tool: str, body: dict[str, Any]) -> dict[str, Any]:
        responder = self.responders.get(tool)
        if responder is None:
            raise KeyError(f"the fake has no responder for tool {tool!r}")
        return responder(body)

    def _usage(self, body: dict[str, Any]) -> dict[str, int]:
        """Prompt caching as the API does it: the longest cached prefix ending at a breakpoint is
        read, the rest up to the last breakpoint is written, everything after is plain input."""
        digest, total, breakpoints = hashlib.sha256(), 0, []
        for text, marked in _segments(body):
            digest.update(text.encode())
            total += tokens(text)
            if marked:
                breakpoints.append((digest.hexdigest(), total))
        now = time.monotonic()
        cacheable = [(h, n) for h, n in breakpoints if n >= self.min_cacheable_tokens]
        read = max((n for h, n in cacheable if self._prompt_cache.get(h, 0) > now), default=0)
        last = cacheable[-1][1] if cacheable else 0
        for h, _ in cacheable:
            self._prompt_cache[h] = now + CACHE_TTL_S
        return {
            "input_tokens": total - last,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": last - read,
            "output_tokens": 0,
        }


def _segments(body: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """The prompt in the API's cache order (tools, system, messages), block by block."""
    for tool in body.get("tools", []):
        yield (
            json.dumps({k: v for k, v in tool.items() if k != "cache_control"}),
            "cache_control" in tool,
        )
    system = body.get("system", [])
    for block in [{"type": "text", "text": system}] if isinstance(system, str) else system:
        yield block.get("text", ""), "cache_control" in block
    for message in body.get("messages", []):
        content = message.get("content", [])
        for block in [{"type": "text", "text": content}] if isinstance(content, str) else content:
            text = block["text"] if block.get("type") == "text" else json.dumps(block)
            yield text, "cache_control" in block


def _invalid_request(body: dict[str, Any]) -> str | None:
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return f"{name}: Field required"
    names = {t.get("name") for t in body.get("tools", [])}
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool" and choice.get("name") not in names:
        return f"tool_choice names an undefined tool {choice.get('name')!r}"
    marked = sum(1 for _, m in _segments(body) if m)
    if marked > 4:
        return f"A maximum of 4 blocks with cache_control may be provided. Found {marked}."
    return None


def _error(status: int, message: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    kind = ERROR_TYPES.get(status, "api_error")
    return status, {"type": "error", "error": {"type": kind, "message": message}}, {}


def _handler_for(fake: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            raw = self.rfile.read(length)
            if self.path.split("?")[0] != "/v1/messages":
                self._send(
                    404,
                    {"type": "error", "error": {"type": "not_found_error", "message": self.path}},
                    {},
                )
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(*_error(400, "body is not JSON"))
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._send(*fake.handle(body, headers))

        def _send(self, status: int, payload: dict[str, Any], extra: dict[str, str]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", f"req_fake_{time.monotonic_ns()}")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing left to tell it

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep test output clean

    return Handler


@contextmanager
def running_fake_anthropic(
    responders: dict[str, Responder] | None = None, **options: Any
) -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic(responders, **options).start()
    try:
        yield fake
    finally:
        fake.stop()
