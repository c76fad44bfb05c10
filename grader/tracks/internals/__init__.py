"""The LLM internals track: attention, RoPE, norms and whole decoders rebuilt from the real
weights of SmolLM2-135M (and MiniLM for the encoder contrast), checked against the models'
own modules and outputs."""
