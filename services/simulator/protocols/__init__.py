"""Wire formats: one module per provider protocol (OpenAI-compatible, Anthropic, Gemini)."""
