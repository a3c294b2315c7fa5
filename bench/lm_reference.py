#!/usr/bin/python3
"""Python references for the C++ transformer family, on llama2.c checkpoints (stories260K).

Subcommands:
  check           NumPy float64 forward of a legacy llama2.c checkpoint, written from the
                  formulas of llama2.c's run.c, compared with our logits (.npy [T, vocab]);
                  exits 1 when the max absolute difference exceeds --tolerance.
  logits          writes those reference logits as a float32 .npy.
  greedy          greedy decoding from BOS with the same NumPy forward (KV cache); prints ids.
  speed           greedy decoding throughput of a PyTorch implementation written to be fast
                  (preallocated KV cache, F.linear, no Python loop over heads, inference_mode).
  train           training throughput of the same Llama architecture in PyTorch on random
                  token batches (causal LM cross-entropy, AdamW).
  to-safetensors  converts the checkpoint to a Hugging Face LlamaForCausalLM directory
                  (model.safetensors + config.json), permuting wq/wk to the rotate-half rotary
                  convention.

Run with Debian's python3-torch (/usr/bin/python3). The NumPy parts need no torch.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

# Debian's torch multiplies matrices in OpenBLAS, whose worker threads (spinning on the other
# cores) torch.set_num_threads does not reach; their number is fixed when it loads, so here.
_threads = argparse.ArgumentParser(add_help=False)
_threads.add_argument("--threads", type=int, default=1)
os.environ["OPENBLAS_NUM_THREADS"] = str(_threads.parse_known_args()[0].threads)

import numpy as np  # noqa: E402

GROUND_TRUTH = "/work/shared/data/lm/stories260K/greedy_256_ids_and_text.txt"
BOS = 1


# ---------------------------------------------------------------------------------------------
# Checkpoint

def read_checkpoint(path):
    """Legacy llama2.c checkpoint -> (config dict, dict of float32 NumPy arrays).

    Header: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len); a
    negative vocab_size means an untied classifier follows the rotary tables."""
    with open(path, "rb") as f:
        data = f.read()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("<7i", data[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    head_dim = dim // heads
    kv_dim = kv_heads * head_dim
    cfg = dict(dim=dim, hidden_dim=hidden, n_layers=layers, n_heads=heads, n_kv_heads=kv_heads,
               vocab_size=vocab, seq_len=seq_len, head_dim=head_dim, kv_dim=kv_dim,
               shared_classifier=shared)
    shapes = [("token_embedding", (vocab, dim)), ("rms_att", (layers, dim)),
              ("wq", (layers, dim, dim)), ("wk", (layers, kv_dim, dim)),
              ("wv", (layers, kv_dim, dim)), ("wo", (layers, dim, dim)),
              ("rms_ffn", (layers, dim)), ("w1", (layers, hidden, dim)),
              ("w2", (layers, dim, hidden)), ("w3", (layers, hidden, dim)),
              ("rms_final", (dim,)), ("freq_cis_real", (seq_len, head_dim // 2)),
              ("freq_cis_imag", (seq_len, head_dim // 2))]
    if not shared:
        shapes.append(("wcls", (vocab, dim)))
    weights, offset = {}, 28
    for name, shape in shapes:
        count = int(np.prod(shape))
        if offset + 4 * count > len(data):
            sys.exit(f"{path}: truncated at {name} (need {offset + 4 * count} bytes, "
                     f"have {len(data)})")
        weights[name] = np.frombuffer(data, dtype="<f4", count=count, offset=offset).reshape(shape)
        offset += 4 * count
    if offset != len(data):
        sys.exit(f"{path}: {len(data) - offset} unexpected trailing bytes")
    if shared:
        weights["wcls"] = weights["token_embedding"]
    return cfg, weights


def parse_ids(text):
    return [int(s) for s in text.replace(" ", "").split(",") if s]


def ground_truth_ids(path=GROUND_TRUTH):
    """The ids line of the ground-truth file: 'ids [403, 407, ...]' (generated after BOS)."""
    with open(path) as f:
        for line in f:
            if line.startswith("ids"):
                return json.loads(line[len("ids"):].strip())
    sys.exit(f"{path}: no 'ids [...]' line")


# ---------------------------------------------------------------------------------------------
# NumPy forward, one token at a time with a KV cache, in the order of run.c's forward()

def rotary_tables(cfg, dtype):
    """cos/sin [seq_len, head_dim/2] for the interleaved pairs (x[2i], x[2i+1]) of a head.

    run.c: for the even element index j of a head, freq = 1 / 10000^(j / head_dim) and the
    pair is rotated by the angle pos * freq. Computed in float64, then cast, so the float32
    forward differs from the float64 one only by its arithmetic."""
    j = np.arange(0, cfg["head_dim"], 2, dtype=np.float64)
    freq = 1.0 / 10000.0 ** (j / cfg["head_dim"])
    angle = np.arange(cfg["seq_len"], dtype=np.float64)[:, None] * freq[None, :]
    return np.cos(angle).astype(dtype), np.sin(angle).astype(dtype)


def rmsnorm(x, w, eps=1e-5):
    return x * w / np.sqrt(np.mean(x * x) + eps)


def rotate_interleaved(v, cos, sin, head_dim):
    """Rotates every (v[2i], v[2i+1]) pair of each head of the flat vector v by (cos, sin)."""
    pairs = v.reshape(-1, head_dim // 2, 2)
    a, b = pairs[..., 0], pairs[..., 1]
    return np.stack((a * cos - b * sin, a * sin + b * cos), axis=-1).reshape(v.shape)


class NumpyLlama:
    """llama2.c's transformer in NumPy with weights cast to `dtype` (float64 for the reference,
    float32 to measure what float32 arithmetic alone costs)."""

    def __init__(self, cfg, weights, dtype=np.float64):
        self.cfg, self.dtype = cfg, dtype
        self.w = {k: v.astype(dtype) for k, v in weights.items() if not k.startswith("freq_cis")}
        self.cos, self.sin = rotary_tables(cfg, dtype)
        self.reset()

    def reset(self):
        c = self.cfg
        shape = (c["n_layers"], c["seq_len"], c["kv_dim"])
        self.key_cache = np.zeros(shape, self.dtype)
        self.value_cache = np.zeros(shape, self.dtype)

    def step(self, token, pos):
        """Logits [vocab] of the next token after `token` at position `pos` (0-based); writes
        this position's keys and values into the cache, so positions must come in order."""
        c, w = self.cfg, self.w
        hd, heads, kv_heads = c["head_dim"], c["n_heads"], c["n_kv_heads"]
        group = heads // kv_heads  # query heads per kv head
        cos, sin = self.cos[pos], self.sin[pos]
        x = w["token_embedding"][token].copy()
        for layer in range(c["n_layers"]):
            h = rmsnorm(x, w["rms_att"][layer])
            q = rotate_interleaved(w["wq"][layer] @ h, cos, sin, hd)
            self.key_cache[layer, pos] = rotate_interleaved(w["wk"][layer] @ h, cos, sin, hd)
            self.value_cache[layer, pos] = w["wv"][layer] @ h
            keys = self.key_cache[layer, :pos + 1].reshape(pos + 1, kv_heads, hd)
            values = self.value_cache[layer, :pos + 1].reshape(pos + 1, kv_heads, hd)
            # Query head i reads kv head i // group: repeat each kv head `group` times.
            keys = np.repeat(keys, group, axis=1)  # [pos+1, heads, hd]
            values = np.repeat(values, group, axis=1)
            scores = np.einsum("hd,thd->ht", q.reshape(heads, hd), keys) / math.sqrt(hd)
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            att = scores / scores.sum(axis=1, keepdims=True)
            x = x + w["wo"][layer] @ np.einsum("ht,thd->hd", att, values).reshape(-1)
            h = rmsnorm(x, w["rms_ffn"][layer])
            gate = w["w1"][layer] @ h
            silu = gate / (1.0 + np.exp(-gate))
            x = x + w["w2"][layer] @ (silu * (w["w3"][layer] @ h))
        return w["wcls"] @ rmsnorm(x, w["rms_final"])

    def logits(self, ids):
        """Logits [T, vocab] of a whole sequence (row t: the distribution of ids[t+1])."""
        if len(ids) > self.cfg["seq_len"]:
            sys.exit(f"{len(ids)} ids exceed seq_len {self.cfg['seq_len']}")
        if not all(0 <= i < self.cfg["vocab_size"] for i in ids):
            sys.exit(f"ids must lie in [0, {self.cfg['vocab_size']})")
        self.reset()
        return np.stack([self.step(token, pos) for pos, token in enumerate(ids)])

    def greedy(self, steps):
        """run.c with temperature 0 and an empty prompt: feed BOS, then each argmax (run.c also
        stops early on a generated BOS; here exactly `steps` ids come back, up to seq_len)."""
        self.reset()
        token, out = BOS, []
        for pos in range(min(steps, self.cfg["seq_len"])):
            token = int(np.argmax(self.step(token, pos)))
            out.append(token)
        return out


def perplexity(logits, ids):
    """exp(mean NLL of ids[1:] given their prefixes), the log-softmax taken in float64."""
    if len(ids) < 2:
        return float("nan")
    z = np.asarray(logits[:-1], dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    nll = -log_probs[np.arange(len(ids) - 1), ids[1:]]
    return float(np.exp(nll.mean()))


# ---------------------------------------------------------------------------------------------
# NumPy subcommands

def cmd_check(args):
    cfg, weights = read_checkpoint(args.checkpoint)
    ids = parse_ids(args.ids)
    reference = NumpyLlama(cfg, weights, np.float64).logits(ids)
    ours = np.load(args.logits)
    if ours.shape != reference.shape:
        print(f"{args.logits}: shape {list(ours.shape)}, expected {list(reference.shape)} "
              f"([tokens, vocab])")
        return 1
    diff = float(np.abs(ours.astype(np.float64) - reference).max())
    result = {"max_abs_diff": diff, "perplexity_reference": perplexity(reference, ids),
              "perplexity_ours": perplexity(ours, ids), "tokens": len(ids)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"tokens {len(ids)}  max |ours - reference| {diff:.3g} (tolerance "
              f"{args.tolerance:g})  perplexity reference {result['perplexity_reference']:.6f}"
              f"  ours {result['perplexity_ours']:.6f}")
    return 0 if diff <= args.tolerance else 1


def cmd_logits(args):
    cfg, weights = read_checkpoint(args.checkpoint)
    logits = NumpyLlama(cfg, weights, np.float64).logits(parse_ids(args.ids))
    np.save(args.out, logits.astype(np.float32))
    print(f"wrote {args.out}: float32 {list(logits.shape)}")
    return 0


def cmd_greedy(args):
    cfg, weights = read_checkpoint(args.checkpoint)
    ids = NumpyLlama(cfg, weights, np.float64).greedy(args.steps)
    truth = ground_truth_ids() if os.path.exists(GROUND_TRUTH) else None
    matches = truth is not None and len(ids) <= len(truth) and ids == truth[:len(ids)]
    if args.json:
        print(json.dumps({"ids": ids, "steps": len(ids), "matches_ground_truth": matches}))
    else:
        print(",".join(map(str, ids)))
    return 0


# ---------------------------------------------------------------------------------------------
# PyTorch: greedy decoding throughput

def torch_rotary(cfg, length):
    """cos/sin [length, head_dim/2] (float32) of run.c's interleaved rotary, as for NumPy."""
    import torch
    cos, sin = rotary_tables(dict(cfg, seq_len=length), np.float64)
    return torch.from_numpy(cos).float(), torch.from_numpy(sin).float()


def rotate_pairs(x, cos, sin):
    """x [..., heads, head_dim] with cos/sin broadcastable to [..., 1, head_dim/2]: rotates the
    interleaved pairs (x[2i], x[2i+1])."""
    import torch
    pairs = x.unflatten(-1, (-1, 2))
    a, b = pairs[..., 0], pairs[..., 1]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)


class TorchDecoder:
    """Batched greedy decoding with a preallocated KV cache [layers, batch, kv_heads, seq, hd].

    The three input projections of a layer are fused into one matrix (one F.linear instead of
    three), the same for w1 and w3: what a PyTorch user tuning a small model would do."""

    def __init__(self, cfg, weights, batch):
        import torch
        self.cfg, self.batch = cfg, batch
        t = {k: torch.from_numpy(v.copy()) for k, v in weights.items()}
        self.embedding, self.wcls = t["token_embedding"], t["wcls"]
        self.rms_att, self.rms_ffn, self.rms_final = t["rms_att"], t["rms_ffn"], t["rms_final"]
        self.wqkv = [torch.cat((t["wq"][i], t["wk"][i], t["wv"][i])).contiguous()
                     for i in range(cfg["n_layers"])]
        self.w13 = [torch.cat((t["w1"][i], t["w3"][i])).contiguous()
                    for i in range(cfg["n_layers"])]
        self.wo = [t["wo"][i].contiguous() for i in range(cfg["n_layers"])]
        self.w2 = [t["w2"][i].contiguous() for i in range(cfg["n_layers"])]
        self.cos, self.sin = torch_rotary(cfg, cfg["seq_len"])
        shape = (cfg["n_layers"], batch, cfg["n_kv_heads"], cfg["seq_len"], cfg["head_dim"])
        keys, values = torch.zeros(shape), torch.zeros(shape)
        self.keys, self.values = list(keys.unbind(0)), list(values.unbind(0))  # per layer

    @staticmethod
    def rmsnorm(x, w, eps=1e-5):
        import torch
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    def step(self, tokens, pos):
        """tokens [batch] int64 at position pos -> logits [batch, vocab]."""
        import torch
        import torch.nn.functional as F
        c, b = self.cfg, self.batch
        hd, heads, kv_heads = c["head_dim"], c["n_heads"], c["n_kv_heads"]
        group, dim, kv_dim = heads // kv_heads, c["dim"], c["kv_dim"]
        cos, sin = self.cos[pos], self.sin[pos]
        scale = 1.0 / math.sqrt(hd)
        x = self.embedding[tokens]  # [b, dim]
        for i in range(c["n_layers"]):
            qkv = F.linear(self.rmsnorm(x, self.rms_att[i]), self.wqkv[i])
            # One rotary call for the query and key heads together (they are adjacent).
            qk = rotate_pairs(qkv[:, :dim + kv_dim].view(b, heads + kv_heads, hd), cos, sin)
            key_cache, value_cache = self.keys[i], self.values[i]
            key_cache[:, :, pos] = qk[:, heads:]
            value_cache[:, :, pos] = qkv[:, dim + kv_dim:].view(b, kv_heads, hd)
            keys = key_cache[:, :, :pos + 1]  # [b, kv, t, hd]
            values = value_cache[:, :, :pos + 1]
            # GQA without copying the cache: the `group` query heads of a kv head form the
            # rows of one matmul against that kv head's keys.
            q = qk[:, :heads].reshape(b, kv_heads, group, hd)
            att = torch.softmax(torch.matmul(q, keys.transpose(-1, -2)) * scale, dim=-1)
            out = torch.matmul(att, values).reshape(b, dim)
            x = x + F.linear(out, self.wo[i])
            gate, up = F.linear(self.rmsnorm(x, self.rms_ffn[i]), self.w13[i]).chunk(2, dim=-1)
            x = x + F.linear(F.silu(gate) * up, self.w2[i])
        return F.linear(self.rmsnorm(x, self.rms_final), self.wcls)

    def generate(self, steps):
        """Greedy ids [batch, steps] from BOS in every row."""
        import torch
        tokens = torch.full((self.batch,), BOS, dtype=torch.long)
        out = torch.empty((self.batch, steps), dtype=torch.long)
        for pos in range(steps):
            tokens = self.step(tokens, pos).argmax(-1)
            out[:, pos] = tokens
        return out


def cmd_speed(args):
    import torch
    torch.set_num_threads(args.threads)
    cfg, weights = read_checkpoint(args.checkpoint)
    if not 1 <= args.steps <= cfg["seq_len"]:
        sys.exit(f"--steps must be in [1, {cfg['seq_len']}]")
    with torch.inference_mode():
        decoder = TorchDecoder(cfg, weights, args.batch)
        decoder.generate(min(args.warmup, args.steps))  # warm-up: allocator, thread pools
        start = time.perf_counter()
        ids = decoder.generate(args.steps)
        seconds = time.perf_counter() - start
        # The ground-truth check runs at batch 1, outside the timing (it is the same code).
        single = ids[0] if args.batch == 1 else TorchDecoder(cfg, weights, 1).generate(
            args.steps)[0]
    truth = ground_truth_ids()
    matches = args.steps <= len(truth) and single.tolist() == truth[:args.steps]
    result = {"implementation": "python-pytorch", "batch": args.batch, "steps": args.steps,
              "seconds": seconds, "tokens_per_second": args.batch * args.steps / seconds,
              "matches_ground_truth": matches, "threads": torch.get_num_threads(),
              "torch_version": torch.__version__}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"batch {args.batch} steps {args.steps}: {seconds:.3f} s, "
              f"{result['tokens_per_second']:.1f} tokens/s, matches ground truth: {matches}")
    return 0 if matches else 1


# ---------------------------------------------------------------------------------------------
# PyTorch: training throughput

def make_train_model(args):
    import torch
    import torch.nn.functional as F

    class RMSNorm(torch.nn.Module):
        def __init__(self, dim, eps=1e-5):
            super().__init__()
            self.eps, self.weight = eps, torch.nn.Parameter(torch.ones(dim))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            hd = args.dim // args.heads
            self.heads, self.kv_heads, self.hd = args.heads, args.kv_heads, hd
            self.attention_norm, self.ffn_norm = RMSNorm(args.dim), RMSNorm(args.dim)
            # Fused q|k|v and w1|w3 projections: fewer, larger matmuls.
            self.wqkv = torch.nn.Linear(args.dim, (args.heads + 2 * args.kv_heads) * hd,
                                        bias=False)
            self.wo = torch.nn.Linear(args.heads * hd, args.dim, bias=False)
            self.w13 = torch.nn.Linear(args.dim, 2 * args.hidden, bias=False)
            self.w2 = torch.nn.Linear(args.hidden, args.dim, bias=False)

        def forward(self, x, cos, sin, mask):
            b, t, _ = x.shape
            h, kv, hd = self.heads, self.kv_heads, self.hd
            q, k, v = self.wqkv(self.attention_norm(x)).split((h * hd, kv * hd, kv * hd), -1)
            # [b, t, heads, hd] -> [b, kv, group, t, hd]: GQA as a broadcast over the group.
            q = rotate_pairs(q.view(b, t, h, hd), cos, sin).view(b, t, kv, h // kv, hd)
            q = q.permute(0, 2, 3, 1, 4)
            k = rotate_pairs(k.view(b, t, kv, hd), cos, sin).transpose(1, 2).unsqueeze(2)
            v = v.view(b, t, kv, hd).transpose(1, 2).unsqueeze(2)
            scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(hd)) + mask
            out = torch.matmul(torch.softmax(scores, dim=-1), v)  # [b, kv, group, t, hd]
            x = x + self.wo(out.permute(0, 3, 1, 2, 4).reshape(b, t, h * hd))
            gate, up = self.w13(self.ffn_norm(x)).chunk(2, dim=-1)
            return x + self.w2(F.silu(gate) * up)

    class Llama(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(args.vocab, args.dim)
            self.blocks = torch.nn.ModuleList(Block() for _ in range(args.layers))
            self.norm = RMSNorm(args.dim)
            cfg = dict(head_dim=args.dim // args.heads)
            cos, sin = torch_rotary(cfg, args.seq_len)
            # [t, 1, hd/2]: broadcasts over the heads of [b, t, heads, hd/2].
            self.register_buffer("cos", cos[:, None, :], persistent=False)
            self.register_buffer("sin", sin[:, None, :], persistent=False)
            mask = torch.full((args.seq_len, args.seq_len), float("-inf")).triu(1)
            self.register_buffer("mask", mask, persistent=False)
            # GPT-2-style initialisation (as llama2.c's model.py): N(0, 0.02) matrices, the
            # projections into the residual stream scaled down by sqrt(2 * layers).
            for name, p in self.named_parameters():
                if p.dim() == 2:
                    residual = name.endswith(("wo.weight", "w2.weight"))
                    std = 0.02 / math.sqrt(2 * args.layers) if residual else 0.02
                    torch.nn.init.normal_(p, 0.0, std)

        def forward(self, ids):
            t = ids.shape[1]
            x = self.embedding(ids)
            for block in self.blocks:
                x = block(x, self.cos[:t], self.sin[:t], self.mask[:t, :t])
            return F.linear(self.norm(x), self.embedding.weight)  # tied classifier

    return Llama()


def cmd_train(args):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(args.threads)
    if args.heads % args.kv_heads or args.dim % args.heads or (args.dim // args.heads) % 2:
        sys.exit("need heads % kv_heads == 0 and an even head_dim = dim / heads")
    torch.manual_seed(args.seed)
    model = make_train_model(args)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    # All batches drawn before the loop: the timing is of the training step, not the sampler.
    generator = torch.Generator().manual_seed(args.seed)
    total = args.warmup + args.steps
    data = torch.randint(0, args.vocab, (total, args.batch, args.seq_len + 1),
                         generator=generator)
    start = time.perf_counter()
    for step in range(total):
        if step == args.warmup:
            start = time.perf_counter()
        inputs, targets = data[step, :, :-1], data[step, :, 1:]
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, args.vocab), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    result = {"implementation": "python-pytorch",
              "tokens_per_second": args.batch * args.seq_len * args.steps / seconds,
              "steps": args.steps, "batch": args.batch, "seq_len": args.seq_len,
              "final_loss": float(loss), "seconds": seconds, "warmup_steps": args.warmup,
              "threads": torch.get_num_threads(), "torch_version": torch.__version__}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.steps} steps of {args.batch}x{args.seq_len} tokens: {seconds:.3f} s, "
              f"{result['tokens_per_second']:.0f} tokens/s, final loss {float(loss):.4f}")
    return 0


# ---------------------------------------------------------------------------------------------
# Hugging Face conversion

def cmd_to_safetensors(args):
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from safetensors_check import write_safetensors
    cfg, weights = read_checkpoint(args.checkpoint)
    t = {k: torch.from_numpy(v.copy()) for k, v in weights.items()}
    hd, dim = cfg["head_dim"], cfg["dim"]

    def to_rotate_half(w, heads):
        # Row 2i / 2i+1 of a head (llama2.c's pair) becomes row i / i + hd/2 (HF's halves).
        return w.view(heads, hd // 2, 2, dim).transpose(1, 2).reshape(heads * hd, dim)

    tensors = {"model.embed_tokens.weight": t["token_embedding"],
               "model.norm.weight": t["rms_final"]}
    for i in range(cfg["n_layers"]):
        p = f"model.layers.{i}."
        tensors[p + "input_layernorm.weight"] = t["rms_att"][i]
        tensors[p + "self_attn.q_proj.weight"] = to_rotate_half(t["wq"][i], cfg["n_heads"])
        tensors[p + "self_attn.k_proj.weight"] = to_rotate_half(t["wk"][i], cfg["n_kv_heads"])
        tensors[p + "self_attn.v_proj.weight"] = t["wv"][i]
        tensors[p + "self_attn.o_proj.weight"] = t["wo"][i]
        tensors[p + "post_attention_layernorm.weight"] = t["rms_ffn"][i]
        tensors[p + "mlp.gate_proj.weight"] = t["w1"][i]
        tensors[p + "mlp.down_proj.weight"] = t["w2"][i]
        tensors[p + "mlp.up_proj.weight"] = t["w3"][i]
    if not cfg["shared_classifier"]:
        tensors["lm_head.weight"] = t["wcls"]
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "hidden_size": dim, "intermediate_size": cfg["hidden_dim"],
              "num_hidden_layers": cfg["n_layers"], "num_attention_heads": cfg["n_heads"],
              "num_key_value_heads": cfg["n_kv_heads"], "vocab_size": cfg["vocab_size"],
              "max_position_embeddings": cfg["seq_len"], "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "tie_word_embeddings": cfg["shared_classifier"],
              "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2,
              "hidden_act": "silu"}
    os.makedirs(args.out, exist_ok=True)
    write_safetensors(os.path.join(args.out, "model.safetensors"),
                      {name: ("F32", tensor) for name, tensor in tensors.items()})
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}/model.safetensors ({len(tensors)} tensors) and config.json")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="compare our logits with the NumPy float64 reference")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--ids", required=True, help="comma-separated token ids")
    p.add_argument("--logits", required=True, help="our float32 logits, .npy [T, vocab]")
    p.add_argument("--tolerance", type=float, default=1e-5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("logits", help="write the reference logits as float32 .npy")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--ids", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=cmd_logits)

    p = sub.add_parser("greedy", help="greedy ids from BOS with the NumPy forward")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--steps", type=int, default=256)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_greedy)

    p = sub.add_parser("speed", help="PyTorch greedy decoding throughput")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--steps", type=int, default=256)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--warmup", type=int, default=16, help="decode steps run before timing")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_speed)

    p = sub.add_parser("train", help="PyTorch training throughput on random tokens")
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--hidden", type=int, default=172)
    p.add_argument("--vocab", type=int, default=512)
    p.add_argument("--seq-len", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=30, help="timed steps, after the warm-up")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("to-safetensors", help="write a Hugging Face Llama directory")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True, help="directory for model.safetensors, config.json")
    p.set_defaults(run=cmd_to_safetensors)

    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
