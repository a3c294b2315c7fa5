#!/usr/bin/python3
"""The Python PyTorch reference of `evergreen bench tpp`'s speed table.

The same continuous-time LSTM (neural Hawkes process, Mei & Eisner 2017) and log-likelihood as
evergreen's `nhp`, written as a careful PyTorch user would, vectorised the way EasyTPP's NHP is:
the sequences of a batch advance one event together (a Python loop over event positions, batch-
wide tensor operations and one fused gate layer inside), and after the loop the states after
every event, stacked [N, L - 1, H], decay to every integral point of every interval in one
broadcast operation and one read-out layer. One thread, float32, Adam.

Model: gates in the order input, forget, candidate, output, target input, target forget, decay
(decay = softplus); lambda_k(t) = softplus(w_k . h(t) + b_k); the state before the first event is
zero. Likelihood (EasyTPP's convention): sum over events i >= 2 of log lambda_{k_i}(t_i) minus
the integral of the total intensity from t_{i-1} to t_i, by the rule of
src/evergreen/models/tpp/integral_rule.h ("log_gauss" or "trapezoid"). The loss is the negative
log-likelihood per scored event, in model time (t / time scale); the reported NLL per event is
in the data's units (plus log time scale), as evergreen's.

Prints one JSON object: {"events_per_s", "steps", "events", "peak_rss_mb", "seconds",
"cpu_seconds", "events_per_cpu_s", "nll_per_event" (each step's loss, data units),
"time_scale", "integral_rule", "integral_points"}.
`--check` instead compares the batched likelihood and its gradients with a naive per-sequence,
per-event loop (float64) on a small padded batch, and the rule with a fine trapezoid integral.
"""
import argparse
import json
import math
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_batches(path):
    """The batch `evergreen bench tpp` writes: int64 rows, length, types; then float32 times,
    int64 types and float32 mask, [rows, length] each."""
    with open(path, "rb") as f:
        rows, length, num_types = struct.unpack("<qqq", f.read(24))
        times = np.frombuffer(f.read(rows * length * 4), dtype="<f4").reshape(rows, length)
        types = np.frombuffer(f.read(rows * length * 8), dtype="<i8").reshape(rows, length)
        mask = np.frombuffer(f.read(rows * length * 4), dtype="<f4").reshape(rows, length)
    return torch.tensor(times), torch.tensor(types), torch.tensor(mask), num_types


def mean_gap(times, mask):
    """The mean time between consecutive events of the same sequence, over all sequences."""
    valid = mask[:, 1:] * mask[:, :-1]
    gaps = (times[:, 1:] - times[:, :-1]).clamp_min(0) * valid
    count = float(valid.sum())
    return float(gaps.sum()) / count if count > 0 else 1.0


class IntegralRule:
    """Nodes of integral_0^gap f(s) ds ~ sum_p weights[p] f(offsets[p]), as in integral_rule.h.

    log_gauss: Gauss-Legendre panels of at most 5 nodes u in [0, 1] (`points` spread over
    ceil(points / 5) panels as evenly as possible) on the scale s(u) = r expm1(u log1p(gap / r)),
    weight w(u) log1p(gap / r) (s + r); the event is read at the gap's end separately.
    trapezoid: `points` evenly spaced fractions of the gap, both ends; the last is the event.
    """

    def __init__(self, name, points, resolution=1e-3):
        if points < 2:
            raise ValueError(f"integral points must be >= 2, got {points}")
        if not resolution > 0 or not math.isfinite(resolution):
            raise ValueError(f"integral resolution must be > 0, got {resolution}")
        self.name, self.points, self.resolution = name, points, resolution
        if name == "trapezoid":
            unit = np.linspace(0.0, 1.0, points)
            weight = np.full(points, 1.0 / (points - 1))
            weight[0] = weight[-1] = 0.5 / (points - 1)
        elif name == "log_gauss":
            panels = (points + 4) // 5
            unit, weight = [], []
            for panel in range(panels):
                size = points // panels + (1 if panel < points % panels else 0)
                x, w = np.polynomial.legendre.leggauss(size)
                unit.append((panel + (x + 1) / 2) / panels)
                weight.append(w / 2 / panels)
            unit, weight = np.concatenate(unit), np.concatenate(weight)
        else:
            raise ValueError(f"integral rule must be 'log_gauss' or 'trapezoid', got '{name}'")
        self.unit = torch.tensor(unit, dtype=torch.float64)
        self.weight = torch.tensor(weight, dtype=torch.float64)
        # Whether the last node is the interval's end, where the event's intensity is read.
        self.last_node_at_end = name == "trapezoid"

    def nodes(self, gaps):
        """gaps [...] (>= 0, data) -> offsets, weights [..., points] in the gaps' dtype."""
        unit, weight = self.unit.to(gaps.dtype), self.weight.to(gaps.dtype)
        gap = gaps.unsqueeze(-1)
        if self.name != "log_gauss":
            return gap * unit, gap * weight
        log_span = torch.log1p(gap / self.resolution)
        offsets = torch.expm1(log_span * unit) * self.resolution
        return offsets, weight * log_span * (offsets + self.resolution)


class NeuralHawkes(torch.nn.Module):
    def __init__(self, num_types, hidden, rule):
        super().__init__()
        self.num_types, self.hidden, self.rule = num_types, hidden, rule
        # One extra embedding row for padding, as evergreen's nhp.
        self.embedding = torch.nn.Embedding(num_types + 1, hidden)
        self.gates = torch.nn.Linear(2 * hidden, 7 * hidden)  # reads [embedding; h(t_i)]
        self.intensity = torch.nn.Linear(hidden, num_types)

    def forward(self, times, types, mask):
        """[N] log-likelihoods (EasyTPP's convention) and [N] scored events; padding (mask 0)
        only at the end of a row, as evergreen's batches."""
        rows, length = times.shape
        if length < 2:  # nothing to score
            return times.new_zeros(rows), times.new_zeros(rows, dtype=torch.long)
        hidden = self.hidden
        valid = mask != 0
        types = types.clamp(0, self.num_types - 1)
        embedded = self.embedding(types.masked_fill(~valid, self.num_types))  # [N, L, H]
        gaps = (times[:, 1:] - times[:, :-1]).clamp_min(0)  # [N, L - 1]
        # The embedding's share of the fused gate layer, for all events at once; the loop adds
        # h(t_i)'s share, one matrix product per event position.
        weight_x, weight_h = self.gates.weight[:, :hidden], self.gates.weight[:, hidden:]
        gates_x = F.linear(embedded, weight_x, self.gates.bias)  # [N, L, 7H]
        # Unbound once: indexing [:, i] in the loop would cost a full-size gradient per event.
        gates_x = gates_x.unbind(1)
        gaps_at = gaps.unsqueeze(2).unbind(1)  # L - 1 of [N, 1]
        weight_h_t = weight_h.t()
        zeros = times.new_zeros(rows, hidden)
        cell, target, decay, output = zeros, zeros, zeros, zeros
        h = zeros
        cells, targets, decays, outputs = [], [], [], []
        # Interval i (1 <= i < L) reads the state after event i - 1, so the state after the last
        # position is never needed. Padding (at the end) is never read by a scored interval.
        for i in range(length - 1):
            if i > 0:  # decay from t_{i-1} to t_i (the state before the first event is zero)
                cell = target + (cell - target) * torch.exp(-decay * gaps_at[i - 1])
                h = output * torch.tanh(cell)
            g = torch.addmm(gates_x[i], h, weight_h_t)
            # input, forget, candidate, output, target input, target forget, decay
            i_s, f_s, _, o_s, ti_s, tf_s, _ = torch.sigmoid(g).chunk(7, 1)
            _, _, z, _, _, _, d = g.chunk(7, 1)
            candidate = torch.tanh(z)
            cell = f_s * cell + i_s * candidate
            target = tf_s * target + ti_s * candidate
            decay = F.softplus(d)
            output = o_s
            cells.append(cell)
            targets.append(target)
            decays.append(decay)
            outputs.append(output)
        cell, target = torch.stack(cells, 1), torch.stack(targets, 1)  # [N, L - 1, H]
        decay, output = torch.stack(decays, 1), torch.stack(outputs, 1)

        # Every integral point of every interval, and each interval's end, at once.
        with torch.no_grad():
            offsets, weights = self.rule.nodes(gaps)  # [N, L - 1, P]
            if not self.rule.last_node_at_end:
                offsets = torch.cat([offsets, gaps.unsqueeze(-1)], -1)  # [N, L - 1, P + 1]
        decayed = target.unsqueeze(2) + (cell - target).unsqueeze(2) * torch.exp(
            -decay.unsqueeze(2) * offsets.unsqueeze(3))  # [N, L - 1, P(+1), H]
        lambdas = F.softplus(self.intensity(output.unsqueeze(2) * torch.tanh(decayed)))
        points = weights.shape[-1]
        integral = (lambdas[:, :, :points].sum(3) * weights).sum(2)  # [N, L - 1]
        at_event = lambdas[:, :, -1].gather(2, types[:, 1:].unsqueeze(2)).squeeze(2)
        scored = valid[:, 1:]
        log_intensity = torch.log(at_event.masked_fill(~scored, 1.0))
        log_likelihood = ((log_intensity - integral) * scored).sum(1)
        return log_likelihood, scored.sum(1)


def naive_log_likelihood(model, times, types, mask):
    """The same likelihood, one sequence and one event at a time (for --check)."""
    hidden, rule = model.hidden, model.rule
    out = []
    for n in range(times.shape[0]):
        count = int(mask[n].sum())
        state = [times.new_zeros(hidden)] * 4  # cell, target, decay, output after the last event
        total = times.new_zeros(())
        for i in range(count):
            cell, target, decay, output = state
            gap = (times[n, i] - times[n, i - 1]).clamp_min(0) if i > 0 else times.new_zeros(())
            if i > 0:
                def lam(offset):
                    c = target + (cell - target) * torch.exp(-decay * offset)
                    return F.softplus(model.intensity(output * torch.tanh(c)))
                offsets, weights = rule.nodes(gap.detach().reshape(1))
                integral = sum(weights[0, p] * lam(offsets[0, p]).sum()
                               for p in range(offsets.shape[1]))
                total = total + torch.log(lam(gap)[types[n, i]]) - integral
            decayed = target + (cell - target) * torch.exp(-decay * gap)
            h = output * torch.tanh(decayed)
            g = model.gates(torch.cat([model.embedding(types[n, i]), h])).view(7, hidden)
            i_g, f_g, z, o_g, ti_g, tf_g = (torch.sigmoid(g[0]), torch.sigmoid(g[1]),
                                            torch.tanh(g[2]), torch.sigmoid(g[3]),
                                            torch.sigmoid(g[4]), torch.sigmoid(g[5]))
            state = [f_g * decayed + i_g * z, tf_g * target + ti_g * z, F.softplus(g[6]), o_g]
        out.append(total)
    return torch.stack(out)


def check():
    """Batched vs naive likelihood and gradients; each rule vs a fine trapezoid integral."""
    torch.manual_seed(1)
    ok = True
    rows, length, num_types, hidden = 4, 9, 3, 6
    times = torch.rand(rows, length, dtype=torch.float64).mul(2.0).cumsum(1)
    types = torch.randint(0, num_types, (rows, length))
    mask = torch.ones(rows, length, dtype=torch.float64)
    for n, count in enumerate([9, 5, 2, 1]):  # padded rows, one with a single (unscored) event
        mask[n, count:] = 0
        times[n, count:] = 0
        types[n, count:] = 0
    for name, points in [("log_gauss", 20), ("log_gauss", 7), ("trapezoid", 20), ("trapezoid", 2)]:
        rule = IntegralRule(name, points)
        model = NeuralHawkes(num_types, hidden, rule).double()
        batched, scored = model(times, types, mask)
        grads = torch.autograd.grad(batched.sum(), list(model.parameters()))
        naive = naive_log_likelihood(model, times, types, mask)
        naive_grads = torch.autograd.grad(naive.sum(), list(model.parameters()))
        ll_error = float((batched - naive).abs().max())
        grad_error = max(float((a - b).abs().max()) for a, b in zip(grads, naive_grads))
        good = ll_error < 1e-10 and grad_error < 1e-10 and scored.tolist() == [8, 4, 1, 0]
        ok &= good
        print(f"{name} {points}: log-likelihood {batched.tolist()}, max |batched - naive| "
              f"{ll_error:.2e}, gradients {grad_error:.2e} {'ok' if good else 'FAIL'}")
        # float32 batched vs float64 naive
        model32 = NeuralHawkes(num_types, hidden, rule)
        model32.load_state_dict({k: v.float() for k, v in model.state_dict().items()})
        batched32, _ = model32(times.float(), types, mask.float())
        error32 = float((batched32.double() - naive).abs().max())
        good32 = error32 < 1e-3 * (1 + float(naive.abs().max()))
        ok &= good32
        print(f"  float32 batched vs float64 naive: {error32:.2e} {'ok' if good32 else 'FAIL'}")
    # The rules themselves: sum of weights = gap, and f(s) = exp(-beta s) + 0.3 s.
    for name, points in [("log_gauss", 20), ("trapezoid", 2000)]:
        rule = IntegralRule(name, points)
        gap = torch.tensor([0.0, 0.01, 1.0, 30.0], dtype=torch.float64)
        offsets, weights = rule.nodes(gap)
        for beta in [0.1, 1.0, 20.0]:
            approx = (weights * (torch.exp(-beta * offsets) + 0.3 * offsets)).sum(1)
            exact = -torch.expm1(-beta * gap) / beta + 0.15 * gap * gap
            error = float(((approx - exact).abs() / exact.clamp_min(1e-300)).max())
            good = error < (2e-5 if name == "log_gauss" else 1e-3)
            ok &= good
            print(f"rule {name} {points}, beta {beta}: max relative error {error:.2e} "
                  f"{'ok' if good else 'FAIL'}")
        width = float(((weights.sum(1) - gap).abs() / gap.clamp_min(1e-300)).max())
        ok &= width < 1e-6
        print(f"rule {name} {points}: max relative |sum of weights - gap| {width:.2e} "
              f"{'ok' if width < 1e-6 else 'FAIL'}")
    print("check: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="the batch file `evergreen bench tpp` writes")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--points", "--integral-points", dest="points", type=int, default=20,
                        help="integral points per interval")
    parser.add_argument("--integral-rule", default="log_gauss", choices=["log_gauss", "trapezoid"])
    parser.add_argument("--integral-resolution", type=float, default=1e-3,
                        help="log_gauss's resolution r, in the (scaled) time units")
    parser.add_argument("--time-scale", default="mean_gap",
                        help="divide event times by the training data's mean inter-event gap "
                             "(mean_gap), by nothing (none) or by a given number")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--check", action="store_true",
                        help="compare the batched likelihood with a naive loop and exit")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.check:
        return check()
    if not args.data:
        parser.error("--data is required (or --check)")
    torch.manual_seed(0)
    times, types, mask, num_types = read_batches(args.data)
    if args.time_scale == "mean_gap":
        scale = mean_gap(times, mask)
    elif args.time_scale == "none":
        scale = 1.0
    else:
        scale = float(args.time_scale)
    if not scale > 0 or not math.isfinite(scale):
        scale = 1.0
    times = times / scale
    rule = IntegralRule(args.integral_rule, args.points, args.integral_resolution)
    model = NeuralHawkes(num_types, args.hidden, rule)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    rows = times.shape[0]
    events = 0.0
    losses = []
    start, start_cpu = time.perf_counter(), time.process_time()
    for step in range(args.steps):
        begin = (step * args.batch_size) % rows
        index = torch.arange(begin, begin + args.batch_size) % rows
        batch_mask = mask[index]
        optimizer.zero_grad()
        log_likelihood, scored = model(times[index], types[index], batch_mask)
        loss = -log_likelihood.sum() / scored.sum().clamp_min(1)
        loss.backward()
        optimizer.step()
        # In data units, as evergreen reports it: lambda_data = lambda_model / scale.
        losses.append(loss.item() + math.log(scale))
        events += float(batch_mask.sum())
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - start_cpu  # less sensitive to a busy machine
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"events_per_s": events / seconds, "steps": args.steps, "events": events,
                      "peak_rss_mb": peak_rss_mb, "seconds": seconds,
                      "cpu_seconds": cpu_seconds, "events_per_cpu_s": events / cpu_seconds,
                      "nll_per_event": losses,
                      "time_scale": scale, "integral_rule": rule.name,
                      "integral_points": rule.points}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
