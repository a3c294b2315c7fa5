#!/usr/bin/python3
"""The Python PyTorch reference of `evergreen bench classic`: training steps per second.

Split Fashion-MNIST in the Mammoth protocol (Buzzega et al. 2020): five tasks of two classes
each ({2t, 2t+1}, rows in file order), one epoch per task, an MLP 784-100-100-10 with ReLU,
plain SGD, cross-entropy, batch 10, and a strategy: `sgd` (fine-tuning), `er` (experience
replay: the step batch plus `--minibatch` rows of a reservoir buffer) or `derpp` (DER++: CE on
the batch + alpha MSE(logits, stored logits) + beta CE on a second buffer draw).

It is written to be as fast as eager PyTorch gets on one thread, so that the C++ engine meets
a fair opponent, not a naive loop: no DataLoader (each task is a pair of pre-loaded tensors,
shuffled with a seeded generator and sliced into views), images kept as uint8 like the C++
side and converted once per step with `.float().div_(255)` after the replayed rows are
concatenated, one forward per step (DER++'s two buffer draws ride along with the batch; with
no batch norm that is the loss of three forwards), `zero_grad(set_to_none=True)`, no per-step
`.item()`, preallocated buffer tensors written under `no_grad` only for the rows reservoir
sampling (in Python ints) accepts. Only the training loop after `--warmup-steps` is timed, not
data loading nor the class-IL evaluation on the t10k rows. Prints one JSON line;
`--self-test` runs quick correctness checks instead.
"""
import argparse
import gzip
import itertools
import json
import os
import random
import time

# Debian's torch multiplies matrices in OpenBLAS, whose worker threads (spinning on the other
# cores) torch.set_num_threads does not reach; their number is fixed when it loads, so here.
_threads = argparse.ArgumentParser(add_help=False)
_threads.add_argument("--threads", type=int, default=1)
os.environ["OPENBLAS_NUM_THREADS"] = str(_threads.parse_known_args()[0].threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def read_idx(path):
    """A gzip IDX file: magic (byte 3: number of dimensions), big-endian sizes, uint8 data."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_split(root, prefix, tasks):
    """[(uint8 images [rows, 784], int64 labels [rows])] per task 0..tasks-1, in file order."""
    images = read_idx(os.path.join(root, prefix + "-images-idx3-ubyte.gz")).reshape(-1, 784)
    labels = read_idx(os.path.join(root, prefix + "-labels-idx1-ubyte.gz")).astype(np.int64)
    return split_tasks(images, labels, tasks)


def split_tasks(images, labels, tasks):
    split = []
    for t in range(tasks):
        rows = np.flatnonzero((labels == 2 * t) | (labels == 2 * t + 1))
        split.append((torch.from_numpy(images[rows]), torch.from_numpy(labels[rows])))
    return split


class Reservoir:
    """Algorithm R over rows of several tensors, kept in preallocated [capacity, ...] tensors."""

    def __init__(self, capacity, rng, fields):
        self.capacity, self.rng, self.seen = capacity, rng, 0
        self.tensors = [torch.zeros((capacity,) + shape, dtype=dtype) for shape, dtype in fields]

    def held(self):
        return min(self.seen, self.capacity)

    @torch.no_grad()
    def add(self, *values):
        slots = {}  # slot -> row; a later row of the same batch drawing the same slot wins
        for row in range(values[0].shape[0]):
            slot = self.seen if self.seen < self.capacity else self.rng.randint(0, self.seen)
            self.seen += 1
            if slot < self.capacity:
                slots[slot] = row
        if slots:
            index = torch.tensor(list(slots.keys()))
            rows = torch.tensor(list(slots.values()))
            for stored, value in zip(self.tensors, values):
                stored.index_copy_(0, index, value.index_select(0, rows))

    def sample(self, count, generator, *fields):
        """`count` distinct held rows, uniform (all when fewer are held), of the given fields."""
        index = torch.randperm(self.held(), generator=generator)[:count]
        return [self.tensors[field].index_select(0, index) for field in fields]


def make_model():
    return torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(),
                               torch.nn.Linear(100, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))


def derpp_loss(logits, labels, stored, labels2, alpha, beta):
    """With logits = model(cat(batch, buf1, buf2)): CE + alpha MSE(buf1, stored) + beta CE(buf2)."""
    size, count = labels.shape[0], stored.shape[0]
    loss = F.cross_entropy(logits[:size], labels)
    loss = loss + alpha * F.mse_loss(logits[size:size + count], stored)
    return loss + beta * F.cross_entropy(logits[size + count:], labels2)


def batches(split, batch_size, generator):
    for x_task, y_task in split:
        order = torch.randperm(y_task.shape[0], generator=generator)
        x_task, y_task = x_task.index_select(0, order), y_task.index_select(0, order)
        for begin in range(0, y_task.shape[0], batch_size):
            yield x_task[begin:begin + batch_size], y_task[begin:begin + batch_size]


def train(model, split, args):
    """Runs the training loop; returns (optimizer steps, seconds of the steps after the warmup)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    generator = torch.Generator().manual_seed(args.seed)
    fields = [((784,), torch.uint8), ((), torch.int64)]
    if args.strategy == "derpp":
        fields.append(((10,), torch.float32))
    replay = args.strategy != "sgd"
    buffer = Reservoir(args.buffer, random.Random(args.seed), fields) if replay else None
    stream = batches(split, args.batch_size, generator)
    if args.max_steps > 0:
        stream = itertools.islice(stream, args.max_steps)
    steps, start = 0, time.perf_counter()
    for x, y in stream:
        if buffer is None or buffer.seen == 0:
            logits = model(x.float().div_(255))
            loss = F.cross_entropy(logits, y)
        elif args.strategy == "er":
            x_buffer, y_buffer = buffer.sample(args.minibatch, generator, 0, 1)
            logits = model(torch.cat((x, x_buffer)).float().div_(255))
            loss = F.cross_entropy(logits, torch.cat((y, y_buffer)))
        else:
            x1, z1 = buffer.sample(args.minibatch, generator, 0, 2)  # (x, y, logits) fields
            x2, y2 = buffer.sample(args.minibatch, generator, 0, 1)
            logits = model(torch.cat((x, x1, x2)).float().div_(255))
            loss = derpp_loss(logits, y, z1, y2, args.alpha, args.beta)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if buffer is not None:  # the logits are stored only by DER++'s three-tensor buffer
            buffer.add(x, y, logits.detach()[:y.shape[0]])
        steps += 1
        if steps == args.warmup_steps:
            start = time.perf_counter()
    return steps, time.perf_counter() - start


@torch.inference_mode()
def accuracy(model, split):
    correct = total = 0
    for x, y in split:
        correct += int((model(x.float().div_(255)).argmax(1) == y).sum())
        total += y.shape[0]
    return correct / total


def self_test(args):
    # Reservoir: exactly min(seen, capacity) distinct offered rows held, each of 1,000 kept
    # with probability capacity / 1000.
    capacity, offered, trials = 100, 1000, 2000
    rng, kept, ids = random.Random(1), np.zeros(offered), torch.arange(offered)
    for trial in range(trials):
        buffer = Reservoir(capacity, rng, [((), torch.int64)])
        for begin in range(0, offered, 10):
            buffer.add(ids[begin:begin + 10])
            assert buffer.held() == min(begin + 10, capacity)
        held = buffer.tensors[0][:buffer.held()]
        assert held.unique().numel() == capacity
        kept[held.numpy()] += 1
    rate, p = kept / trials, capacity / offered
    sigma = (p * (1 - p) / trials) ** 0.5
    assert np.abs(rate - p).max() < 5 * sigma, np.abs(rate - p).max()
    assert abs(rate[:capacity].mean() - rate[-capacity:].mean()) < 5 * sigma
    # DER++ with alpha = beta = 0 is plain CE on the batch; else the sum of three forwards.
    torch.manual_seed(0)
    model = make_model()
    x, x1, x2 = (torch.randint(0, 256, (n, 784), dtype=torch.uint8) for n in (10, 7, 7))
    y, y2, z1 = torch.randint(0, 10, (10,)), torch.randint(0, 10, (7,)), torch.randn(7, 10)
    logits = model(torch.cat((x, x1, x2)).float().div_(255))
    plain = F.cross_entropy(model(x.float().div_(255)), y)
    assert torch.allclose(derpp_loss(logits, y, z1, y2, 0.0, 0.0), plain, atol=1e-6)
    separate = plain + 0.2 * F.mse_loss(model(x1.float().div_(255)), z1) + \
        F.cross_entropy(model(x2.float().div_(255)), y2)
    assert torch.allclose(derpp_loss(logits, y, z1, y2, 0.2, 1.0), separate, atol=1e-5)
    # The split: task t holds exactly labels {2t, 2t+1}, in file order.
    labels = np.random.RandomState(0).randint(0, 10, 250).astype(np.int64)
    images = np.arange(250, dtype=np.uint8)[:, None].repeat(784, 1)
    splits = [split_tasks(images, labels, 5)]
    if os.path.exists(os.path.join(args.data, "train-labels-idx1-ubyte.gz")):
        splits.append(load_split(args.data, "train", 5))
        splits.append(load_split(args.data, "t10k", 5))
    for split in splits:
        for t, (x_task, y_task) in enumerate(split):
            assert set(y_task.unique().tolist()) == {2 * t, 2 * t + 1}
            assert x_task.dtype == torch.uint8 and x_task.shape == (y_task.shape[0], 784)
    for t, (x_task, _) in enumerate(splits[0]):  # image value = row number: file order kept
        assert x_task[:, 0].tolist() == np.flatnonzero(labels // 2 == t).tolist()
    for split, rows in zip(splits[1:], (12000, 2000)):
        assert [y_task.shape[0] for _, y_task in split] == [rows] * 5
    print("self-test ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--strategy", choices=("er", "derpp", "sgd"), default="er")
    parser.add_argument("--tasks", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--buffer", type=int, default=200)
    parser.add_argument("--minibatch", type=int, default=10)
    parser.add_argument("--lr", type=float, default=None, help="default 0.03 for derpp, else 0.01")
    parser.add_argument("--alpha", type=float, default=0.2)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--max-steps", type=int, default=0, help="0: every step of every task")
    parser.add_argument("--warmup-steps", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.lr is None:
        args.lr = 0.03 if args.strategy == "derpp" else 0.01
    if args.max_steps > 0 and args.warmup_steps >= args.max_steps:
        parser.error("--warmup-steps must be below --max-steps")
    torch.set_num_threads(args.threads)
    if args.self_test:
        return self_test(args)
    torch.manual_seed(args.seed)
    train_split = load_split(args.data, "train", args.tasks)
    test_split = load_split(args.data, "t10k", args.tasks)
    model = make_model()
    steps, seconds = train(model, train_split, args)
    timed = steps - min(args.warmup_steps, steps)
    print(json.dumps({
        "implementation": "python-pytorch", "strategy": args.strategy,
        "batch_size": args.batch_size, "buffer": 0 if args.strategy == "sgd" else args.buffer,
        "steps": steps, "timed_steps": timed, "seconds": seconds,
        "steps_per_second": timed / seconds if timed else 0.0,
        "accuracy_class_il": accuracy(model, test_split),
        "torch_version": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
