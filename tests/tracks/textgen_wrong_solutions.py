"""Plausible wrong solutions for the text generation track: each must fail a check."""

from __future__ import annotations

import math

import torch


def generate_with_the_removed_api(
    client, model, prompt, max_tokens=64, temperature=0.0, timeout=30.0, retries=2
):
    """The article's call: the Completion API that openai >= 1.0 removed."""
    import openai

    return openai.Completion.create(engine="text-davinci-002", prompt=prompt, max_tokens=max_tokens)


def generate_without_retries(
    client, model, prompt, max_tokens=64, temperature=0.0, timeout=30.0, retries=2
):
    """Ignores `retries` and lets the raw connection error escape."""
    if not prompt.strip() or max_tokens <= 0:
        raise ValueError("bad arguments")
    reply = client.with_options(max_retries=0, timeout=timeout).chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=temperature,
    )
    return reply.choices[0].message.content


def stream_keeping_only_the_last_delta(client, model, prompt, max_tokens=64, temperature=0.0):
    """Overwrites the text with each delta instead of joining them."""
    text = ""
    for chunk in client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=temperature,
        stream=True,
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            text = chunk.choices[0].delta.content
    return text


def temperature_after_softmax(logits, temperature):
    """Divides probabilities instead of logits."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    return logits.softmax(dim=-1) / temperature


def top_p_dropping_the_crossing_token(logits, p):
    """Keeps only tokens whose cumulative probability stays below p."""
    sorted_logits, order = logits.sort(dim=-1, descending=True)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    drop_sorted = cumulative > p
    drop_sorted[..., 0] = False
    drop = drop_sorted.scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def top_k_keeping_k_plus_one(logits, k):
    """An off-by-one: keeps the k + 1 largest logits."""
    kth = logits.topk(k + 1, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def sample_ignoring_the_filters(logits, temperature=1.0, top_k=0, top_p=1.0, num_samples=1, seed=0):
    """Samples from the raw softmax: temperature and filters are forgotten."""
    generator = torch.Generator().manual_seed(seed)
    return torch.multinomial(
        logits.softmax(dim=-1), num_samples, replacement=True, generator=generator
    )


def cache_loop_feeding_everything(model, input_ids, max_new_tokens):
    """Keeps the cache but feeds the whole sequence each step."""
    tokens, cache = input_ids, None
    with torch.no_grad():
        for _ in range(max_new_tokens):
            out = model(input_ids=tokens, cache=cache, use_cache=True)
            cache = out.cache
            next_token = out.logits[:, -1].argmax(dim=-1, keepdim=True)
            tokens = torch.cat([tokens, next_token], dim=-1)
    return tokens


def cache_loop_without_the_cache(model, input_ids, max_new_tokens):
    """Correct tokens, but never uses the cache: the whole sequence every step."""
    tokens = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(input_ids=tokens).logits
            next_token = logits[:, -1].argmax(dim=-1, keepdim=True)
            tokens = torch.cat([tokens, next_token], dim=-1)
            if next_token.item() == model.generation_config.eos_token_id:
                break
    return tokens


def perplexity_without_the_shift(model, tokenizer, text):
    """Scores each position's logits against its own token, not the next one."""
    ids = tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    loss = torch.nn.functional.cross_entropy(logits[0], ids[0])
    return math.exp(loss.item())


def perplexity_of_the_summed_loss(model, tokenizer, text):
    """exp of the total negative log-likelihood instead of the mean."""
    ids = tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        loss = model(input_ids=ids, labels=ids).loss
    return math.exp(loss.item() * (ids.shape[-1] - 1))


def chat_prompt_without_the_generation_prompt(tokenizer, messages):
    """Forgets add_generation_prompt: the model is not told it is its turn."""
    return tokenizer.apply_chat_template(messages, tokenize=False)


def sample_with_a_fixed_global_seed(
    logits, temperature=1.0, top_k=0, top_p=1.0, num_samples=1, seed=0
):
    """Seeds the global generator with a constant: every seed gives the same draws."""
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    filtered = TemperatureLogitsWarper(temperature)(None, logits.clone())
    if top_k > 0:
        filtered = TopKLogitsWarper(top_k)(None, filtered)
    if top_p < 1.0:
        filtered = TopPLogitsWarper(top_p)(None, filtered)
    torch.manual_seed(0)
    return torch.multinomial(filtered.softmax(dim=-1), num_samples, replacement=True)


WRONG_SOLUTIONS = [
    ("textgen.client", "generate", generate_with_the_removed_api),
    ("textgen.client", "generate", generate_without_retries),
    ("textgen.client", "generate_stream", stream_keeping_only_the_last_delta),
    ("textgen.sampling", "apply_temperature", temperature_after_softmax),
    ("textgen.sampling", "top_p_filter", top_p_dropping_the_crossing_token),
    ("textgen.sampling", "top_k_filter", top_k_keeping_k_plus_one),
    ("textgen.sampling", "sample", sample_ignoring_the_filters),
    ("textgen.sampling", "sample", sample_with_a_fixed_global_seed),
    ("textgen.kv_cache", "greedy_generate", cache_loop_feeding_everything),
    ("textgen.kv_cache", "greedy_generate", cache_loop_without_the_cache),
    ("textgen.perplexity", "perplexity", perplexity_without_the_shift),
    ("textgen.perplexity", "perplexity", perplexity_of_the_summed_loss),
    ("textgen.perplexity", "chat_prompt", chat_prompt_without_the_generation_prompt),
]
