"""Checks for the text generation track, on the real SmolLM2 model and a real local server.

Expected values come from the server itself, from transformers' own logits processors and
``generate``, and from the tokenizer's own chat template, never from the reference solutions.
"""

from __future__ import annotations

import functools
import socket
import threading
import time

import torch

from grader.engine.expect import describe, expect_number, expect_tensor, fail
from grader.engine.resources import build
from grader.engine.spec import CheckFailure, Ref, check, sandbox_endpoints
from grader.engine.student import Student

MODEL = Ref.of("llm.model")
TOKENIZER = Ref.of("llm.tokenizer")
PROMPTS = ["Write one sentence about the sea.", "List two colours."]


def endpoint_client() -> tuple[Ref, str, object]:
    """A Ref to a client for the shared endpoint, its model id, and a trusted client."""
    from grader.serving.server import shared_endpoint

    endpoint = shared_endpoint()
    ref = Ref.of("llm.client", base_url=endpoint.base_url, api_key=endpoint.api_key)
    return ref, endpoint.model, build(ref)


def server_answer(client: object, model: str, prompt: str, max_tokens: int) -> str:
    reply = client.chat.completions.create(  # type: ignore[attr-defined]
        model=model,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=0.0,
    )
    return reply.choices[0].message.content or ""


def _expect_text(got: object, call: str, want: str) -> None:
    if not isinstance(got, str):
        raise fail(call, describe(got), "the answer's text as a str")
    if got != want:
        raise fail(call, repr(got[:120]), repr(want[:120]), "at temperature 0 the server is greedy")


# --- textgen.client ----------------------------------------------------------------------


@check("textgen.client", points=1, timeout_s=120)
def answers_like_the_server(student: Student) -> None:
    """returns the server's own answer at temperature 0
    zh: 在温度为 0 时返回服务器自己的回答"""
    client, model, trusted = endpoint_client()
    got = student.call("generate", client, model, PROMPTS[0], max_tokens=24)
    _expect_text(got.value, got.call, server_answer(trusted, model, PROMPTS[0], 24))


@check("textgen.client", points=1, timeout_s=120)
def streams_the_same_text(student: Student) -> None:
    """generate_stream assembles the same text from the stream's deltas
    zh: generate_stream 用流式增量拼出相同的文本"""
    client, model, trusted = endpoint_client()
    got = student.call("generate_stream", client, model, PROMPTS[1], max_tokens=24)
    _expect_text(got.value, got.call, server_answer(trusted, model, PROMPTS[1], 24))


@check("textgen.client", points=1, timeout_s=60)
def refuses_bad_arguments(student: Student) -> None:
    """raises ValueError for an empty prompt and for max_tokens <= 0, without a request
    zh: 空提示词或 max_tokens <= 0 时抛出 ValueError，且不发请求"""
    client = Ref.of("llm.client", base_url="http://127.0.0.1:9/v1", api_key="unused")
    for args, kwargs in ((("model", "   "), {}), (("model", "hi"), {"max_tokens": 0})):
        error = student.raises("generate", client, *args, **kwargs)
        if not error.startswith("ValueError"):
            raise fail(f"generate(<client>, {args!r}, {kwargs})", error, "a ValueError")


class CountingRefuser:
    """A loopback port that accepts connections and closes them at once, counting them."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.count = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.count += 1
            connection.close()


@functools.cache
def shared_refuser() -> CountingRefuser:
    """One refusing port per process, made before a sandbox starts, so it can be handed to
    the sandbox's network namespace with the model server."""
    return CountingRefuser()


def _port(base_url: str) -> int:
    from urllib.parse import urlsplit

    return urlsplit(base_url).port or 80


@sandbox_endpoints("textgen")
def loopback_ports() -> list[int]:
    """The model server (or the provider's proxy) and the refusing port."""
    from grader.serving.server import shared_endpoint

    return [_port(shared_endpoint().base_url), shared_refuser().port]


@check("textgen.client", points=1, timeout_s=90)
def retries_then_fails_clearly(student: Student) -> None:
    """retries a failing server, then raises a RuntimeError naming the server and the fix
    zh: 服务器失败时重试，然后抛出写明服务器和解决办法的 RuntimeError"""
    refuser = shared_refuser()
    refuser.count = 0
    base_url = f"http://127.0.0.1:{refuser.port}/v1"
    client = Ref.of("llm.client", base_url=base_url, api_key="unused")
    error = student.raises("generate", client, "model", "hello", timeout=5.0, retries=2)
    time.sleep(0.3)  # let the last connection be counted
    call = f"generate(<client for {base_url}>, 'model', 'hello', timeout=5.0, retries=2)"
    if not error.startswith("RuntimeError"):
        raise fail(call, error, "a RuntimeError")
    if f"127.0.0.1:{refuser.port}" not in error or "mlkata serve" not in error:
        raise fail(call, error, "a message naming the server's address and `mlkata serve`")
    if refuser.count != 3:
        raise fail(call, f"{refuser.count} connection attempts", "3 (the first and 2 retries)")


@check("textgen.client", points=1, hidden=True, timeout_s=120)
def answers_unseen_prompts(student: Student) -> None:
    """matches the server on other prompts and lengths
    zh: 在其他提示词和长度上与服务器一致"""
    client, model, trusted = endpoint_client()
    prompt = "Give a one-line definition of entropy."
    got = student.call("generate", client, model, prompt, max_tokens=13)
    _expect_text(got.value, got.call, server_answer(trusted, model, prompt, 13))


# --- textgen.sampling --------------------------------------------------------------------


@functools.cache
def real_logits() -> torch.Tensor:
    """Next-token logits (2, V) of SmolLM2 for two prompts."""
    tokenizer, model = build(TOKENIZER), build(MODEL)
    rows = []
    for prompt in ("The weather today is", "def fibonacci(n):"):
        ids = tokenizer(prompt, return_tensors="pt").input_ids
        with torch.no_grad():
            rows.append(model(input_ids=ids).logits[0, -1])
    return torch.stack(rows)  # (2, V)


def _expect_same_distribution(got: object, call: str, want: torch.Tensor, why: str) -> None:
    if not isinstance(got, torch.Tensor):
        raise fail(call, describe(got), "filtered logits as a tensor")
    expect_tensor(
        call,
        got.float().softmax(dim=-1),
        want.softmax(dim=-1),
        "softmax of the result",
        atol=1e-6,
        why=why,
    )


@check("textgen.sampling", points=1)
def greedy_and_temperature_match_transformers(student: Student) -> None:
    """greedy picks the argmax; temperature matches TemperatureLogitsWarper
    zh: 贪心解码选 argmax；温度与 TemperatureLogitsWarper 一致"""
    from transformers import TemperatureLogitsWarper

    logits = real_logits()
    got = student.call("greedy", logits)
    expect_tensor(got.call, got.value, logits.argmax(dim=-1), "ids")
    for temperature in (0.5, 1.7):
        got = student.call("apply_temperature", logits, temperature)
        want = TemperatureLogitsWarper(temperature)(None, logits.clone())
        _expect_same_distribution(got.value, got.call, want, "divide the logits, before softmax")
    error = student.raises("apply_temperature", logits, 0.0)
    if not error.startswith("ValueError"):
        raise fail("apply_temperature(logits, 0.0)", error, "a ValueError")


@check("textgen.sampling", points=1)
def top_k_matches_transformers(student: Student) -> None:
    """top_k_filter keeps the same tokens as TopKLogitsWarper
    zh: top_k_filter 保留的 token 与 TopKLogitsWarper 相同"""
    from transformers import TopKLogitsWarper

    logits = real_logits()
    for k in (1, 5, 50):
        got = student.call("top_k_filter", logits, k)
        _expect_same_distribution(
            got.value,
            got.call,
            TopKLogitsWarper(k)(None, logits.clone()),
            "keep exactly the k largest logits",
        )


@check("textgen.sampling", points=1)
def top_p_matches_transformers(student: Student) -> None:
    """top_p_filter keeps the same nucleus as TopPLogitsWarper, crossing token included
    zh: top_p_filter 保留的核与 TopPLogitsWarper 相同，包括越过阈值的那个 token"""
    from transformers import TopPLogitsWarper

    logits = real_logits()
    for p in (0.5, 0.9):
        got = student.call("top_p_filter", logits, p)
        _expect_same_distribution(
            got.value,
            got.call,
            TopPLogitsWarper(p)(None, logits.clone()),
            "keep the token whose probability crosses p",
        )


@check("textgen.sampling", points=2)
def sampling_follows_the_filtered_distribution(student: Student) -> None:
    """sample draws from the filtered distribution (4,000 draws, total variation < 0.05)
    zh: sample 从过滤后的分布中采样（4,000 次，总变差 < 0.05）"""
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    logits = real_logits()[:1]
    draws = 4000
    got = student.call("sample", logits, 0.8, top_k=20, top_p=0.95, num_samples=draws, seed=7)
    ids = got.value
    if not isinstance(ids, torch.Tensor) or tuple(ids.shape) != (1, draws):
        raise fail(got.call, describe(ids), f"ids of shape (1, {draws})")
    filtered = TopPLogitsWarper(0.95)(
        None, TopKLogitsWarper(20)(None, TemperatureLogitsWarper(0.8)(None, logits.clone()))
    )
    expected = filtered.softmax(dim=-1)[0]  # (V,)
    counts = torch.bincount(ids[0].long(), minlength=expected.numel()).double()
    outside = int(counts[expected == 0].sum())
    if outside:
        raise fail(got.call, f"{outside} draws of tokens the filters remove", "none")
    distance = 0.5 * (counts / draws - expected.double()).abs().sum().item()
    if distance > 0.05:
        raise fail(
            got.call,
            f"total variation {distance:.3f} from the expected distribution",
            "at most 0.05",
            "apply temperature, then top-k, then top-p, then sample",
        )
    again = student.call("sample", logits, 0.8, top_k=20, top_p=0.95, num_samples=50, seed=7)
    repeat = student.call("sample", logits, 0.8, top_k=20, top_p=0.95, num_samples=50, seed=7)
    expect_tensor(
        repeat.call,
        repeat.value,
        again.value,
        "ids drawn with the same seed",
        why="seed a torch.Generator with `seed` and pass it to torch.multinomial",
    )
    other = student.call("sample", logits, 0.8, top_k=20, top_p=0.95, num_samples=50, seed=8)
    if isinstance(other.value, torch.Tensor) and torch.equal(other.value, again.value):
        raise fail(
            other.call,
            "the same 50 ids as with seed=7",
            "other draws for another seed",
            "the seed argument is ignored: seed a torch.Generator with `seed`",
        )


@check("textgen.sampling", points=1, hidden=True)
def filters_match_on_a_batch_of_random_logits(student: Student) -> None:
    """the filters match transformers on random logits of other shapes
    zh: 在其他形状的随机 logits 上，过滤器与 transformers 一致"""
    from transformers import TopKLogitsWarper, TopPLogitsWarper

    logits = torch.randn(4, 300, generator=torch.Generator().manual_seed(3)) * 3
    got = student.call("top_k_filter", logits, 17)
    _expect_same_distribution(got.value, got.call, TopKLogitsWarper(17)(None, logits.clone()), "")
    got = student.call("top_p_filter", logits, 0.73)
    _expect_same_distribution(got.value, got.call, TopPLogitsWarper(0.73)(None, logits.clone()), "")


# --- textgen.kv_cache --------------------------------------------------------------------

NEW_TOKENS = 12


@functools.cache
def reference_generation(prompt: str, new_tokens: int) -> tuple[torch.Tensor, torch.Tensor]:
    ids = build(TOKENIZER)(prompt, return_tensors="pt").input_ids
    with torch.no_grad():
        return ids, build(MODEL).generate(ids, max_new_tokens=new_tokens, do_sample=False)


def _check_loop(student: Student, function: str, prompt: str, cached: bool) -> None:
    ids, want = reference_generation(prompt, NEW_TOKENS)
    got = student.call(function, MODEL, ids, NEW_TOKENS)
    expect_tensor(
        got.call, got.value, want, "tokens", why="must equal model.generate(do_sample=False)"
    )
    lengths = got.observed.get("llm.model", {}).get("input_lengths", [])
    prompt_length, steps = ids.shape[-1], want.shape[-1] - ids.shape[-1]
    if cached:
        expected = [prompt_length] + [1] * (steps - 1)
        why = "with a cache, feed the prompt once and then only the newest token"
    else:
        expected = [prompt_length + step for step in range(steps)]
        why = "without a cache, feed the whole sequence at every step"
    # One extra forward pass after the last token is wasted work, not a wrong loop.
    allowed = (expected, [*expected, expected[-1] + 1 if not cached else 1])
    if lengths not in allowed:
        raise fail(got.call, f"forward passes fed {lengths} tokens", f"{expected}", why)


@check("textgen.kv_cache", points=2, timeout_s=120)
def cached_loop_reproduces_generate(student: Student) -> None:
    """the cached loop reproduces generate() token for token, one new token per step
    zh: 带缓存的循环逐 token 复现 generate()，每步一个新 token"""
    _check_loop(student, "greedy_generate", "The three primary colours are", cached=True)


@check("textgen.kv_cache", points=1, timeout_s=120)
def uncached_loop_reproduces_generate(student: Student) -> None:
    """the loop without a cache produces the same tokens
    zh: 不带缓存的循环生成相同的 token"""
    _check_loop(student, "greedy_generate_no_cache", "The three primary colours are", cached=False)


@check("textgen.kv_cache", points=1, hidden=True, timeout_s=120)
def cached_loop_on_another_prompt(student: Student) -> None:
    """the cached loop matches generate() on another prompt
    zh: 带缓存的循环在另一个提示词上与 generate() 一致"""
    _check_loop(student, "greedy_generate", "Question: what is 2 + 2?\nAnswer:", cached=True)


# --- textgen.perplexity ------------------------------------------------------------------

TEXTS = ["The quick brown fox jumps over the lazy dog.", "Tokens are not words."]


@check("textgen.perplexity", points=1)
def perplexity_matches_the_model_loss(student: Student) -> None:
    """perplexity equals exp of the model's own mean next-token loss
    zh: 困惑度等于模型自身平均下一 token 损失的 exp"""
    import math

    tokenizer, model = build(TOKENIZER), build(MODEL)
    for text in TEXTS:
        ids = tokenizer(text, return_tensors="pt").input_ids
        with torch.no_grad():
            want = math.exp(model(input_ids=ids, labels=ids).loss.item())
        got = student.call("perplexity", MODEL, TOKENIZER, text)
        expect_number(got.call, got.value, want, "perplexity", atol=want * 1e-3)


@check("textgen.perplexity", points=1)
def chat_prompt_matches_the_template(student: Student) -> None:
    """chat_prompt is the tokenizer's chat template, ready for the assistant's turn
    zh: chat_prompt 就是分词器的对话模板，并已准备好助手的回合"""
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is a token?"},
    ]
    want = build(TOKENIZER).apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True
    )
    got = student.call("chat_prompt", TOKENIZER, messages)
    if got.value != want:
        raise fail(
            got.call,
            repr(got.value)[-80:],
            repr(want)[-80:],
            "end with the assistant's header (add_generation_prompt=True)",
        )


@check("textgen.perplexity", points=1, hidden=True)
def perplexity_of_a_single_token_pair(student: Student) -> None:
    """perplexity is right on a two-token text
    zh: 只有两个 token 的文本，困惑度也正确"""
    import math

    tokenizer, model = build(TOKENIZER), build(MODEL)
    text = "Hello world"
    ids = tokenizer(text, return_tensors="pt").input_ids
    if ids.shape[-1] < 2:
        raise CheckFailure("internal: the text must have two tokens")
    with torch.no_grad():
        want = math.exp(model(input_ids=ids, labels=ids).loss.item())
    got = student.call("perplexity", MODEL, TOKENIZER, text)
    expect_number(got.call, got.value, want, "perplexity", atol=want * 1e-3)
