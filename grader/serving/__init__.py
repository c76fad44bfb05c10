"""OpenAI-compatible serving of the local LLM, with transformers' own `transformers serve`."""
