#!/usr/bin/python3
"""The Python PyTorch reference of `evergreen bench tpp`'s speed table.

The same continuous-time LSTM (neural Hawkes process) as evergreen's `nhp`: fused gate layer,
the same log-likelihood with a trapezoid integral, Adam, the same padded batches and steps,
written as a PyTorch user would. Prints {"events_per_s", "steps", "events", "peak_rss_mb",
"seconds"}.
"""
import argparse
import json
import resource
import struct
import time

import numpy as np
import torch


def read_batches(path):
    with open(path, "rb") as f:
        rows, length, num_types = struct.unpack("<qqq", f.read(24))
        times = np.frombuffer(f.read(rows * length * 4), dtype="<f4").reshape(rows, length)
        types = np.frombuffer(f.read(rows * length * 8), dtype="<i8").reshape(rows, length)
        mask = np.frombuffer(f.read(rows * length * 4), dtype="<f4").reshape(rows, length)
    return torch.tensor(times), torch.tensor(types), torch.tensor(mask), num_types


class NeuralHawkes(torch.nn.Module):
    def __init__(self, num_types, hidden, points):
        super().__init__()
        self.num_types, self.hidden, self.points = num_types, hidden, points
        self.embedding = torch.nn.Embedding(num_types + 1, hidden)
        self.gates = torch.nn.Linear(2 * hidden, 7 * hidden)
        self.intensity = torch.nn.Linear(hidden, num_types)

    def intensities(self, cell, target, decay, output, offsets):
        decayed = target.unsqueeze(1) + (cell - target).unsqueeze(1) * torch.exp(
            -decay.unsqueeze(1) * offsets.unsqueeze(2))
        return torch.nn.functional.softplus(self.intensity(output.unsqueeze(1) * torch.tanh(decayed)))

    def forward(self, times, types, mask):
        rows, length = times.shape
        types_in = types.masked_fill(mask == 0, self.num_types)
        embedded = self.embedding(types_in)
        fractions = torch.linspace(0, 1, self.points)
        weights = torch.full((self.points,), 1.0 / (self.points - 1))
        weights[0] = weights[-1] = 0.5 / (self.points - 1)
        zeros = torch.zeros(rows, self.hidden)
        cell, target, decay, output, hidden = zeros, zeros, zeros, zeros, zeros
        log_likelihood = torch.zeros(rows)
        for i in range(length):
            if i > 0:
                gap = (times[:, i] - times[:, i - 1]).clamp_min(0)
                lambdas = self.intensities(cell, target, decay, output,
                                           gap.unsqueeze(1) * fractions.unsqueeze(0))
                integral = gap * (lambdas.sum(2) * weights).sum(1)
                event_type = types[:, i].clamp(0, self.num_types - 1)
                log_intensity = torch.log(lambdas[:, -1].gather(1, event_type.unsqueeze(1)).squeeze(1))
                log_likelihood = log_likelihood + mask[:, i] * (log_intensity - integral)
                cell = target + (cell - target) * torch.exp(-decay * gap.unsqueeze(1))
                hidden = output * torch.tanh(cell)
            g = self.gates(torch.cat([embedded[:, i], hidden], 1)).view(rows, 7, self.hidden)
            new_cell = torch.sigmoid(g[:, 1]) * cell + torch.sigmoid(g[:, 0]) * torch.tanh(g[:, 2])
            new_target = torch.sigmoid(g[:, 5]) * target + torch.sigmoid(g[:, 4]) * torch.tanh(g[:, 2])
            valid = mask[:, i].unsqueeze(1)
            cell = valid * new_cell + (1 - valid) * cell
            target = valid * new_target + (1 - valid) * target
            decay = valid * torch.nn.functional.softplus(g[:, 6]) + (1 - valid) * decay
            output = valid * torch.sigmoid(g[:, 3]) + (1 - valid) * output
            hidden = output * torch.tanh(cell)
        return log_likelihood, (mask.sum(1) - 1).clamp_min(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    times, types, mask, num_types = read_batches(args.data)
    model = NeuralHawkes(num_types, args.hidden, args.points)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rows = times.shape[0]
    events = 0.0
    start = time.perf_counter()
    for step in range(args.steps):
        begin = (step * args.batch_size) % rows
        index = torch.arange(begin, begin + args.batch_size) % rows
        optimizer.zero_grad()
        log_likelihood, scored = model(times[index], types[index], mask[index])
        loss = -log_likelihood.sum() / scored.sum().clamp_min(1)
        loss.backward()
        optimizer.step()
        loss.item()
        events += float(mask[index].sum())
    seconds = time.perf_counter() - start
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"events_per_s": events / seconds, "steps": args.steps, "events": events,
                      "peak_rss_mb": peak_rss_mb,
                      "seconds": seconds}))


if __name__ == "__main__":
    main()
