#!/usr/bin/python3
"""The Python side of `kestrel bench train`: the same LSTM / Transformer as
src/ml/neural_networks.hpp and the same training step as src/ml/train_step_bench.cpp, in
Debian's python3-torch (importable only from /usr/bin/python3). Prints one JSON line:
{"model": ..., "step_s": ..., "inference_ms": ..., "torch": ...}.
"""
import argparse
import json
import math
import time

import torch
from torch import nn


class LstmNetwork(nn.Module):
    def __init__(self, features, hidden=128, layers=2, dropout=0.1):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(self.dropout(out[:, -1])).squeeze(-1)


class TransformerNetwork(nn.Module):
    """LibTorch 1.13 has no batch_first: [L, B, d] as in the C++ version."""

    def __init__(self, features, d_model=128, heads=4, layers=2, ff_dim=256, dropout=0.1, max_len=512):
        super().__init__()
        self.input = nn.Linear(features, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=ff_dim, dropout=dropout)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 1)
        pe = torch.zeros(max_len, 1, d_model)
        for pos in range(max_len):
            for i in range(0, d_model, 2):
                angle = pos / math.pow(10000.0, i / d_model)
                pe[pos, 0, i] = math.sin(angle)
                if i + 1 < d_model:
                    pe[pos, 0, i + 1] = math.cos(angle)
        self.register_buffer("positions", pe)

    def forward(self, x):
        h = self.input(x).transpose(0, 1) + self.positions[: x.size(1)]
        h = self.encoder(h)
        return self.head(self.norm(h[-1])).squeeze(-1)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", choices=["lstm", "transformer"], default="lstm")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--seq-len", type=int, default=60)
    parser.add_argument("--features", type=int, default=95)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--universe", type=int, default=500)
    parser.add_argument("--inference-runs", type=int, default=20)
    parser.add_argument("--lstm-hidden", type=int, default=128)
    parser.add_argument("--lstm-layers", type=int, default=2)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--ff-dim", type=int, default=256)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    if args.model == "lstm":
        net = LstmNetwork(args.features, args.lstm_hidden, args.lstm_layers)
    else:
        net = TransformerNetwork(args.features, args.d_model, args.heads, args.layers, args.ff_dim)
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    x = torch.randn(args.batch, args.seq_len, args.features)
    y = (torch.rand(args.batch) > 0.5).float()
    weight = torch.ones_like(y)
    net.train()
    step_times = []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(net(x), y, weight)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        loss.item()
        if step >= args.warmup:
            step_times.append(time.perf_counter() - start)

    net.eval()
    universe = torch.randn(args.universe, args.seq_len, args.features)
    times = []
    with torch.inference_mode():
        for run in range(args.inference_runs + 1):
            start = time.perf_counter()
            torch.sigmoid(net(universe))[0].item()
            if run > 0:
                times.append((time.perf_counter() - start) * 1000)
    times.sort()
    step_times.sort()
    print(json.dumps({"model": args.model, "step_s": step_times[len(step_times) // 2] if step_times else 0.0,
                      "inference_ms": times[len(times) // 2], "torch": torch.__version__}))


if __name__ == "__main__":
    main()
