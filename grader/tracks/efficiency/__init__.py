"""Fundamentals and efficiency track: the five steps of training, then faster training
and faster inference, each measured on a real model."""
