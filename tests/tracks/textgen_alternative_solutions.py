"""Correct solutions for the text generation track written differently from the reference:
each must get full marks (tests/tracks/test_alternative_solutions.py)."""

from __future__ import annotations

import torch


def sample_by_inverse_cdf(logits, temperature=1.0, top_k=0, top_p=1.0, num_samples=1, seed=0):
    """Filters with transformers' own warpers, then draws by inverting the cumulative
    distribution with seeded uniforms (searchsorted), not torch.multinomial."""
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    if temperature <= 0:
        raise ValueError("temperature must be positive")
    filtered = TemperatureLogitsWarper(temperature)(None, logits.clone())
    if top_k > 0:
        filtered = TopKLogitsWarper(top_k)(None, filtered)
    if top_p < 1.0:
        filtered = TopPLogitsWarper(top_p)(None, filtered)
    cumulative = filtered.softmax(dim=-1).double().cumsum(dim=-1)  # (B, V)
    uniforms = (
        torch.rand(
            logits.shape[0], num_samples, generator=torch.Generator().manual_seed(seed)
        ).double()
        * cumulative[:, -1:]
    )
    ids = torch.searchsorted(cumulative, uniforms, right=True)
    return ids.clamp(max=logits.shape[-1] - 1)


def perplexity_with_the_models_loss(model, tokenizer, text):
    """The model's own shifted loss (labels=input_ids), exponentiated with torch."""
    ids = tokenizer(text, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        loss = model(input_ids=ids, labels=ids).loss
    return float(torch.exp(loss))


def chat_prompt_tokenized_then_decoded(tokenizer, messages):
    """Renders the template to ids, then decodes them back to text."""
    ids = tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)
    if isinstance(ids, dict) or hasattr(ids, "input_ids"):
        ids = ids["input_ids"]
    return tokenizer.decode(ids)


def greedy_generate_with_generate_style_loop(model, input_ids, max_new_tokens):
    """KV-cache loop that keeps the cache in a variable and stops on EOS after appending."""
    eos = model.generation_config.eos_token_id
    generated = input_ids.clone()
    cache, step_input = None, input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            output = model(input_ids=step_input, cache=cache, use_cache=True)
            cache = output.cache
            step_input = output.logits[:, -1:].argmax(dim=-1)  # (1, 1)
            generated = torch.cat((generated, step_input), dim=1)
            if int(step_input) == eos:
                break
    return generated


def greedy_generate_no_cache_by_slicing(model, input_ids, max_new_tokens):
    """No cache: re-feeds everything, taking the argmax of the last position's logits."""
    eos = model.generation_config.eos_token_id
    sequence = input_ids
    for _ in range(max_new_tokens):
        with torch.no_grad():
            logits = model(input_ids=sequence, use_cache=False).logits[0, -1]
        token = int(logits.argmax())
        sequence = torch.cat([sequence, torch.tensor([[token]])], dim=-1)
        if token == eos:
            break
    return sequence


def generate_with_a_hand_written_retry_loop(
    client, model, prompt, max_tokens=64, temperature=0.0, timeout=30.0, retries=2
):
    """Retries by hand: the client's own retries off, one attempt per loop turn."""
    import openai

    if max_tokens <= 0 or prompt.strip() == "":
        raise ValueError("need a non-empty prompt and max_tokens > 0")
    once = client.with_options(max_retries=0, timeout=timeout)
    last_error = None
    for _attempt in range(retries + 1):
        try:
            reply = once.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": prompt}],
                max_tokens=max_tokens,
                temperature=temperature,
            )
            return reply.choices[0].message.content or ""
        except openai.APIConnectionError as error:  # APITimeoutError is a subclass
            last_error = error
    raise RuntimeError(
        f"cannot reach {client.base_url} ({last_error!r}); is `mlkata serve` running?"
    )


def stream_collected_with_a_generator(client, model, prompt, max_tokens=64, temperature=0.0):
    """Joins a generator of the deltas' text, skipping empty ones."""
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=temperature,
        stream=True,
    )
    return "".join(
        choice.delta.content for chunk in stream for choice in chunk.choices if choice.delta.content
    )


ALTERNATIVE_SOLUTIONS = [
    (
        "textgen.client",
        {
            "generate": generate_with_a_hand_written_retry_loop,
            "generate_stream": stream_collected_with_a_generator,
        },
    ),
    ("textgen.sampling", {"sample": sample_by_inverse_cdf}),
    (
        "textgen.kv_cache",
        {
            "greedy_generate": greedy_generate_with_generate_style_loop,
            "greedy_generate_no_cache": greedy_generate_no_cache_by_slicing,
        },
    ),
    (
        "textgen.perplexity",
        {
            "perplexity": perplexity_with_the_models_loss,
            "chat_prompt": chat_prompt_tokenized_then_decoded,
        },
    ),
]
