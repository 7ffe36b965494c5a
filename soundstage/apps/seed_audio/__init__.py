"""The bytedance/seed-audio-1.0 app: a prompt in, a finished, mixed and mastered audio file out."""
