#!/usr/bin/python3
"""Checks a Hugging Face safetensors checkpoint without `transformers` or `safetensors`.

  read FILE.safetensors CONFIG.json [--ids 1,2,3 --logits OURS.npy [--tolerance 1e-4]]
       [--write-back OUT.safetensors] [--json]

Parses the file with its own reader (header bounds; every tensor's extent inside the data,
equal to product(shape) * dtype size, with neither overlaps nor holes: the conditions the
reference Rust library enforces), decodes F32/F16/BF16, and checks that the tensors are
exactly those Hugging Face's LlamaForCausalLM or GPT2LMHeadModel expects for the config.json,
with the expected shapes. With --ids, runs a forward pass written from the Hugging Face
modelling formulas (float32) and compares its logits [T, vocab] with OURS.npy. With
--write-back, writes every tensor out again with its own writer (same dtypes, names sorted,
__metadata__ {"format": "pt"}, header padded with spaces to a multiple of 8 bytes) so the C++
side can check the round trip bit for bit.

Exit 0 on success; on a problem, one line per problem naming the tensor, and exit 1.
Run with Debian's python3-torch (/usr/bin/python3).
"""
import argparse
import json
import math
import os
import struct
import sys

# Debian's torch multiplies in OpenBLAS, whose thread count is fixed when it loads: one thread,
# this is a check, not a benchmark, and the machine is shared.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# dtype name -> (bytes per element, NumPy little-endian storage type)
DTYPES = {"F32": (4, "<f4"), "F16": (2, "<f2"), "BF16": (2, "<u2")}
TORCH_TO_NAME = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


class LayoutError(Exception):
    """One problem of the file or its layout: `where` names the tensor (or the file part)."""

    def __init__(self, where, what):
        super().__init__(f"{where}: {what}")


# ---------------------------------------------------------------------------------------------
# Reader and writer

def decode(dtype, raw, shape):
    """Little-endian bytes -> torch tensor of that dtype; BF16 keeps its bits exactly."""
    array = np.frombuffer(raw, dtype=DTYPES[dtype][1]).reshape(shape)
    if dtype == "BF16":  # NumPy has no bfloat16: carry the bits as int16 into torch
        return torch.from_numpy(array.view(np.int16).copy()).view(torch.bfloat16)
    return torch.from_numpy(array.astype(np.float32 if dtype == "F32" else np.float16))


def to_float32(tensor):
    """For the forward pass. bf16 is the upper 16 bits of a float32: widen the bits."""
    if tensor.dtype == torch.bfloat16:
        bits = tensor.view(torch.int16).numpy().view(np.uint16).astype(np.uint32)
        return torch.from_numpy((bits << 16).view(np.float32))
    return tensor.float()


def encode(tensor):
    """torch tensor (float32/float16/bfloat16) -> (dtype name, little-endian bytes)."""
    name = TORCH_TO_NAME.get(tensor.dtype)
    if name is None:
        raise ValueError(f"unsupported dtype {tensor.dtype}")
    tensor = tensor.detach().contiguous().cpu()
    if name == "BF16":  # the bits as int16 (NumPy has no bfloat16)
        return name, tensor.view(torch.int16).numpy().astype("<i2").tobytes()
    return name, tensor.numpy().astype(DTYPES[name][1]).tobytes()


def read_safetensors(path):
    """-> (dict name -> (dtype name, torch tensor), metadata dict or None). Raises LayoutError."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise LayoutError("header", f"file has {len(data)} bytes, fewer than the 8 of the length")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8:
        raise LayoutError("header", f"length {header_len} runs past the end of the file "
                                    f"({len(data) - 8} bytes after the length)")
    try:
        header = json.loads(data[8:8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LayoutError("header", f"not UTF-8 JSON: {e}")
    if not isinstance(header, dict):
        raise LayoutError("header", "JSON is not an object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(v, str) for v in metadata.values())):
        raise LayoutError("__metadata__", "must be an object of strings")
    data_start = 8 + header_len
    data_len = len(data) - data_start
    extents = []
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise LayoutError(name, "entry must have exactly dtype, shape and data_offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in DTYPES:
            raise LayoutError(name, f"dtype {dtype!r} is not one of {sorted(DTYPES)}")
        if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)):
            raise LayoutError(name, f"shape {shape!r} is not a list of non-negative integers")
        if not (isinstance(offsets, list) and len(offsets) == 2 and
                all(isinstance(o, int) for o in offsets)):
            raise LayoutError(name, f"data_offsets {offsets!r} is not [begin, end]")
        begin, end = offsets
        if not 0 <= begin <= end <= data_len:
            raise LayoutError(name, f"data_offsets [{begin}, {end}] outside the data "
                                    f"[0, {data_len}]")
        expected = math.prod(shape) * DTYPES[dtype][0]
        if end - begin != expected:
            raise LayoutError(name, f"extent {end - begin} bytes, but shape {shape} of {dtype} "
                                    f"needs {expected}")
        extents.append((begin, end, name))
    # The data must be tiled exactly: sorted by offset, each tensor starts where the previous
    # ended (an earlier start is an overlap, a later one a hole) and the last ends the file.
    position, previous = 0, "start of data"
    for begin, end, name in sorted(extents):
        if begin < position:
            raise LayoutError(name, f"data [{begin}, {end}] overlaps {previous} (ends at "
                                    f"{position})")
        if begin > position:
            raise LayoutError(name, f"{begin - position} unindexed bytes before it, after "
                                    f"{previous}")
        position, previous = end, name
    if position != data_len:
        raise LayoutError("data", f"{data_len - position} unindexed bytes after {previous}")
    tensors = {}
    for begin, end, name in extents:
        dtype, shape = header[name]["dtype"], header[name]["shape"]
        raw = data[data_start + begin:data_start + end]
        tensors[name] = (dtype, decode(dtype, raw, shape))
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> torch tensor or (dtype name, tensor); written in sorted name order."""
    header = {"__metadata__": metadata if metadata is not None else {"format": "pt"}}
    blobs, offset = [], 0
    for name in sorted(tensors):
        value = tensors[name]
        tensor = value[1] if isinstance(value, tuple) else value
        dtype, raw = encode(tensor)
        if isinstance(value, tuple) and value[0] != dtype:
            raise ValueError(f"{name}: tensor is {dtype}, asked for {value[0]}")
        header[name] = {"dtype": dtype, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the spec's recommended padding: data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


# ---------------------------------------------------------------------------------------------
# Expected layouts

def llama_shapes(c):
    d, f, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    heads = c["num_attention_heads"]
    kv, hd = c.get("num_key_value_heads") or heads, c.get("head_dim") or d // heads
    shapes = {"model.embed_tokens.weight": [v, d], "model.norm.weight": [d]}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes.update({p + "input_layernorm.weight": [d],
                       p + "self_attn.q_proj.weight": [heads * hd, d],
                       p + "self_attn.k_proj.weight": [kv * hd, d],
                       p + "self_attn.v_proj.weight": [kv * hd, d],
                       p + "self_attn.o_proj.weight": [d, heads * hd],
                       p + "post_attention_layernorm.weight": [d],
                       p + "mlp.gate_proj.weight": [f, d], p + "mlp.up_proj.weight": [f, d],
                       p + "mlp.down_proj.weight": [d, f]})
    if not c.get("tie_word_embeddings", False):  # LlamaConfig's default is untied
        shapes["lm_head.weight"] = [v, d]
    return shapes


def gpt2_shapes(c):
    d, v, p = c["n_embd"], c["vocab_size"], c["n_positions"]
    f = c.get("n_inner") or 4 * d
    shapes = {"transformer.wte.weight": [v, d], "transformer.wpe.weight": [p, d],
              "transformer.ln_f.weight": [d], "transformer.ln_f.bias": [d]}
    for i in range(c["n_layer"]):
        h = f"transformer.h.{i}."
        # Conv1D stores its weight as [in, out]: y = x @ W + b.
        shapes.update({h + "ln_1.weight": [d], h + "ln_1.bias": [d],
                       h + "attn.c_attn.weight": [d, 3 * d], h + "attn.c_attn.bias": [3 * d],
                       h + "attn.c_proj.weight": [d, d], h + "attn.c_proj.bias": [d],
                       h + "ln_2.weight": [d], h + "ln_2.bias": [d],
                       h + "mlp.c_fc.weight": [d, f], h + "mlp.c_fc.bias": [f],
                       h + "mlp.c_proj.weight": [f, d], h + "mlp.c_proj.bias": [d]})
    if not c.get("tie_word_embeddings", True):  # GPT2Config's default is tied
        shapes["lm_head.weight"] = [v, d]
    return shapes


def check_layout(tensors, config):
    """-> list of 'tensor: problem' lines (empty when the layout is what the model expects)."""
    kind = config.get("model_type")
    if kind == "llama":
        expected = llama_shapes(config)
    elif kind == "gpt2":
        expected = gpt2_shapes(config)
    else:
        return [f"config.json: model_type {kind!r} is neither 'llama' nor 'gpt2'"]
    problems = []
    for name, shape in expected.items():
        if name not in tensors:
            problems.append(f"{name}: missing (expected shape {shape})")
        elif list(tensors[name][1].shape) != shape:
            problems.append(f"{name}: shape {list(tensors[name][1].shape)}, expected {shape}")
    for name in sorted(set(tensors) - set(expected)):
        problems.append(f"{name}: unexpected tensor for {kind} (shape "
                        f"{list(tensors[name][1].shape)})")
    return problems


# ---------------------------------------------------------------------------------------------
# Forward passes from the Hugging Face modelling formulas, in float32

def causal_attention(q, k, v):
    """q, k, v [heads, T, hd] -> [T, heads * hd]: softmax(q k^T / sqrt(hd) + causal mask) v."""
    t, hd = q.shape[1], q.shape[2]
    scores = q @ k.transpose(1, 2) / math.sqrt(hd)
    future = torch.ones(t, t, dtype=torch.bool).triu(1)
    att = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
    return (att @ v).transpose(0, 1).reshape(t, -1)


def llama_forward(w, c, ids):
    d, heads = c["hidden_size"], c["num_attention_heads"]
    kv, hd = c.get("num_key_value_heads") or heads, c.get("head_dim") or d // heads
    eps, theta = c.get("rms_norm_eps", 1e-6), c.get("rope_theta", 10000.0)
    t = len(ids)

    def rmsnorm(x, weight):  # LlamaRMSNorm: x * rsqrt(mean(x^2) + eps) * w, in float32
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight

    def rotate_half(x):  # cat(-x2, x1) of the two halves of the last dimension
        x1, x2 = x.chunk(2, dim=-1)
        return torch.cat((-x2, x1), dim=-1)

    # freqs[pos, i] = pos * theta^(-2i/hd), i < hd/2; cos/sin [T, hd] = cat(freqs, freqs).
    inv_freq = 1.0 / theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    freqs = torch.arange(t, dtype=torch.float32)[:, None] * inv_freq[None, :]
    cos, sin = torch.cat((freqs, freqs), -1).cos(), torch.cat((freqs, freqs), -1).sin()
    x = w["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rmsnorm(x, w[p + "input_layernorm.weight"])
        q = F.linear(h, w[p + "self_attn.q_proj.weight"]).view(t, heads, hd).transpose(0, 1)
        k = F.linear(h, w[p + "self_attn.k_proj.weight"]).view(t, kv, hd).transpose(0, 1)
        v = F.linear(h, w[p + "self_attn.v_proj.weight"]).view(t, kv, hd).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        # repeat_kv: kv head j serves query heads j*group .. (j+1)*group - 1.
        k, v = k.repeat_interleave(heads // kv, 0), v.repeat_interleave(heads // kv, 0)
        x = x + F.linear(causal_attention(q, k, v), w[p + "self_attn.o_proj.weight"])
        h = rmsnorm(x, w[p + "post_attention_layernorm.weight"])
        gate = F.linear(h, w[p + "mlp.gate_proj.weight"])
        up = F.linear(h, w[p + "mlp.up_proj.weight"])
        x = x + F.linear(F.silu(gate) * up, w[p + "mlp.down_proj.weight"])
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return F.linear(rmsnorm(x, w["model.norm.weight"]), head)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def gpt2_forward(w, c, ids):
    d, heads, eps = c["n_embd"], c["n_head"], c.get("layer_norm_epsilon", 1e-5)
    hd, t = d // heads, len(ids)
    if c.get("activation_function", "gelu_new") != "gelu_new":
        raise LayoutError("config.json", f"activation_function "
                                         f"{c['activation_function']!r} is not gelu_new")

    def conv1d(x, prefix):  # transformers' Conv1D: y = x @ W + b with W [in, out]
        return x @ w[prefix + ".weight"] + w[prefix + ".bias"]

    def layer_norm(x, prefix):
        return F.layer_norm(x, (d,), w[prefix + ".weight"], w[prefix + ".bias"], eps)

    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][:t]
    for i in range(c["n_layer"]):
        p = f"transformer.h.{i}."
        q, k, v = conv1d(layer_norm(x, p + "ln_1"), p + "attn.c_attn").split(d, dim=-1)
        q, k, v = (y.view(t, heads, hd).transpose(0, 1) for y in (q, k, v))
        x = x + conv1d(causal_attention(q, k, v), p + "attn.c_proj")
        x = x + conv1d(gelu_new(conv1d(layer_norm(x, p + "ln_2"), p + "mlp.c_fc")),
                       p + "mlp.c_proj")
    head = w.get("lm_head.weight", w["transformer.wte.weight"])
    return F.linear(layer_norm(x, "transformer.ln_f"), head)


def forward(tensors, config, ids):
    w = {name: to_float32(tensor) for name, (_, tensor) in tensors.items()}
    run = llama_forward if config["model_type"] == "llama" else gpt2_forward
    with torch.no_grad():
        return run(w, config, ids)


# ---------------------------------------------------------------------------------------------

def cmd_read(args):
    def fail(lines):
        for line in lines:
            print(line)
        if args.json:
            print(json.dumps({"ok": False, "problems": lines}))
        return 1

    try:
        tensors, metadata = read_safetensors(args.file)
    except LayoutError as e:
        return fail([str(e)])
    with open(args.config) as f:
        config = json.load(f)
    problems = check_layout(tensors, config)
    if problems:
        return fail(problems)
    result = {"ok": True, "model_type": config["model_type"], "tensors": len(tensors),
              "parameters": sum(t.numel() for _, t in tensors.values()),
              "dtypes": sorted({dtype for dtype, _ in tensors.values()}), "metadata": metadata}
    if args.ids:
        ids = [int(s) for s in args.ids.split(",") if s.strip()]
        vocab = config["vocab_size"]
        if not all(0 <= i < vocab for i in ids):
            return fail([f"--ids: ids must lie in [0, {vocab})"])
        limit = config.get("max_position_embeddings", config.get("n_positions"))
        if limit is not None and len(ids) > limit:
            return fail([f"--ids: {len(ids)} ids exceed the {limit} positions"])
        try:
            logits = forward(tensors, config, ids).double().numpy()
        except LayoutError as e:
            return fail([str(e)])
        result["tokens"] = len(ids)
        if args.logits:
            ours = np.load(args.logits)
            if ours.shape != logits.shape:
                return fail([f"{args.logits}: shape {list(ours.shape)}, expected "
                             f"{list(logits.shape)} ([tokens, vocab])"])
            diff = float(np.abs(ours.astype(np.float64) - logits).max())
            result.update(max_abs_diff=diff, tolerance=args.tolerance)
            if not diff <= args.tolerance:
                return fail([f"{args.logits}: max |ours - reference| {diff:.3g} exceeds "
                             f"{args.tolerance:g}"])
    if args.write_back:
        write_safetensors(args.write_back, {name: value for name, value in tensors.items()},
                          {"format": "pt"})
        result["write_back"] = args.write_back
    if args.json:
        print(json.dumps(result))
    else:
        line = (f"ok: {config['model_type']}, {result['tensors']} tensors "
                f"({'/'.join(result['dtypes'])}), {result['parameters']} parameters")
        if "max_abs_diff" in result:
            line += f"; logits of {len(ids)} ids within {result['max_abs_diff']:.3g}"
        if args.write_back:
            line += f"; wrote {args.write_back}"
        print(line)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("read", help="check a safetensors file against its config.json")
    p.add_argument("file")
    p.add_argument("config")
    p.add_argument("--ids", help="comma-separated token ids for a forward pass")
    p.add_argument("--logits", help="our float32 logits .npy [T, vocab] to compare (with --ids)")
    p.add_argument("--tolerance", type=float, default=1e-4)
    p.add_argument("--write-back", help="write every tensor again to this safetensors file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_read)
    args = parser.parse_args()
    if args.logits and not args.ids:
        parser.error("--logits needs --ids")
    torch.set_num_threads(1)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
