#!/usr/bin/python3
"""The Python PyTorch reference of `evergreen bench overhead`.

The same MLP forecaster, data, batch size, optimiser and number of steps as the C++ loops,
written the way a PyTorch user would. Run with Debian's python3-torch (/usr/bin/python3).
Prints one JSON object: {"naive": steps_per_second, "er": steps_per_second, "steps": {...}}.
"""
import argparse
import json
import random
import struct
import time

import numpy as np
import torch


def read_experiences(path):
    """Binary file written by evergreen: int64 count, then per experience int64 rows, L, H and
    float32 x [rows, L], y [rows, H]."""
    with open(path, "rb") as f:
        (count,) = struct.unpack("<q", f.read(8))
        experiences = []
        for _ in range(count):
            rows, length, horizon = struct.unpack("<qqq", f.read(24))
            x = np.frombuffer(f.read(rows * length * 4), dtype="<f4").reshape(rows, length)
            y = np.frombuffer(f.read(rows * horizon * 4), dtype="<f4").reshape(rows, horizon)
            experiences.append((torch.from_numpy(x.copy()), torch.from_numpy(y.copy())))
    return experiences


class Reservoir:
    """Reservoir sampling (algorithm R) over rows of (x, y)."""

    def __init__(self, capacity, length, horizon):
        self.capacity = capacity
        self.seen = 0
        self.x = torch.zeros(capacity, length)
        self.y = torch.zeros(capacity, horizon)

    def add(self, x, y):
        for row in range(x.shape[0]):
            if self.seen < self.capacity:
                slot = self.seen
            else:
                slot = random.randint(0, self.seen)
            if slot < self.capacity:
                self.x[slot] = x[row]
                self.y[slot] = y[row]
            self.seen += 1

    def sample(self, count):
        held = min(self.seen, self.capacity)
        index = torch.randperm(held)[:count]
        return self.x[index], self.y[index]


def train(experiences, hidden, epochs, batch_size, replay, memory_size):
    length = experiences[0][0].shape[1]
    horizon = experiences[0][1].shape[1]
    model = torch.nn.Sequential(
        torch.nn.Linear(length, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, horizon))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    buffer = Reservoir(memory_size, length, horizon)
    steps = 0
    start = time.perf_counter()
    for x_all, y_all in experiences:
        rows = x_all.shape[0]
        for _ in range(epochs):
            order = torch.randperm(rows)
            x_shuffled, y_shuffled = x_all[order], y_all[order]
            for begin in range(0, rows, batch_size):
                x = x_shuffled[begin:begin + batch_size]
                y = y_shuffled[begin:begin + batch_size]
                x_step, y_step = x, y
                if replay and buffer.seen > 0:
                    x_replay, y_replay = buffer.sample(batch_size)
                    x_step = torch.cat([x, x_replay])
                    y_step = torch.cat([y, y_replay])
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x_step), y_step)
                loss.backward()
                optimizer.step()
                if replay:
                    buffer.add(x, y)
                loss.item()
                steps += 1
    return steps, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--memory-size", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    random.seed(0)
    experiences = read_experiences(args.data)
    result = {"steps": {}, "torch_version": torch.__version__}
    for name, replay in (("naive", False), ("er", True)):
        best = None
        for _ in range(args.repeats):
            steps, seconds = train(experiences, args.hidden, args.epochs, args.batch_size,
                                   replay, args.memory_size)
            best = seconds if best is None else min(best, seconds)
        result[name] = steps / best
        result["steps"][name] = steps
    print(json.dumps(result))


if __name__ == "__main__":
    main()
