"""Builds models/camera-health.onnx: the camera health model.

The graph reads three 64x48 greyscale frames of one camera (0..255): the current frame, the previous one and the
camera's reference (a slowly updated average of its normal picture). It computes 13 image statistics (brightness,
contrast, clipped shares, change since the previous frame, sharpness, likeness to the reference) and a small
neural network trained here turns them into one probability per class (CLASSES, same order as
src/camera/conditions.ts). Training footage comes from the simulator's camera streams, recorded by
make_camera_frames.ts. Run with Debian's python3-onnx:
    npx tsx analytics-lab/training/make_camera_frames.ts /tmp/camera-frames
    /usr/bin/python3 analytics-lab/training/make_camera_health.py /tmp/camera-frames
It prints the leave-one-camera-out accuracy per class, then writes the model trained on every training camera.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CLASSES = ['normal', 'covered_lens', 'defocus', 'frozen_image', 'moved_camera', 'overexposed', 'underexposed']
HIDDEN = 16
NORMAL_WEIGHT = 3.0  # a false alarm costs more than a late detection
EPOCHS = 3000
SEED = 1
FRAMES = sys.argv[1] if len(sys.argv) > 1 else '/tmp/camera-frames'
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'analytics', 'models', 'camera-health.onnx')
FEATURES = ['mean', 'sd', 'bright', 'dark', 'ref_mean', 'brightness_vs_ref', 'contrast_vs_ref', 'motion',
            'sharpness', 'ref_sharpness', 'sharpness_vs_ref', 'edge_energy_vs_ref', 'likeness_to_ref']

# ---- the statistics, in numpy (training) and as an ONNX graph (inference): keep the two identical ----


def features_np(current, previous, reference):
    c, p, r = (x.astype(np.float32) / np.float32(255) for x in (current, previous, reference))

    def stats(x):
        m = x.mean(axis=(1, 2))
        return m, np.sqrt(np.maximum((x * x).mean(axis=(1, 2)) - m * m, 0))

    def sharpness(x, sd):
        dx = np.abs(x[:, :, 1:] - x[:, :, :-1])
        dy = np.abs(x[:, 1:, :] - x[:, :-1, :])
        peak = dx.max(axis=(1, 2)) + dy.max(axis=(1, 2))
        energy = (dx * dx).mean(axis=(1, 2)) + (dy * dy).mean(axis=(1, 2))
        return np.log((peak + 0.01) / (sd + 0.01)), np.log((energy + 1e-5) / (sd * sd + 1e-5))

    mc, sc = stats(c)
    mr, sr = stats(r)
    sharp_c, energy_c = sharpness(c, sc)
    sharp_r, energy_r = sharpness(r, sr)
    likeness = ((c - mc[:, None, None]) * (r - mr[:, None, None])).mean(axis=(1, 2)) / (sc * sr + 1e-4)
    return np.stack([
        mc, sc, (c > 0.9).mean(axis=(1, 2)), (c < 0.05).mean(axis=(1, 2)), mr,
        np.log((mc + 0.02) / (mr + 0.02)), np.log((sc + 0.01) / (sr + 0.01)),
        np.log(np.abs(c - p).mean(axis=(1, 2)) + 0.002),
        sharp_c, sharp_r, sharp_c - sharp_r, energy_c - energy_r, likeness,
    ], axis=1).astype(np.float32)


nodes, inits = [], []


def const(name, array):
    inits.append(numpy_helper.from_array(np.asarray(array), name))
    return name


def node(op, inputs, output, **attrs):
    nodes.append(helper.make_node(op, inputs, [output], **attrs))
    return output


def f(value):
    return np.array(value, dtype=np.float32)


def features_graph():
    scale = const('byte', f(255))
    c, p, r = (node('Div', [name, scale], f'{name}_01') for name in ('current', 'previous', 'reference'))

    def mean(x, tag):
        return node('ReduceMean', [x], tag, axes=[1, 2], keepdims=0)

    def stats(x, tag):
        m = mean(x, f'{tag}_mean')
        var = node('Sub', [mean(node('Mul', [x, x], f'{tag}_sq'), f'{tag}_msq'), node('Mul', [m, m], f'{tag}_m2')], f'{tag}_var0')
        return m, node('Sqrt', [node('Relu', [var], f'{tag}_var')], f'{tag}_sd')

    def shift(x, tag, axis):
        later = node('Slice', [x, const(f'{tag}_s1', [1]), const(f'{tag}_e1', [2**62]), const(f'{tag}_a1', [axis])], f'{tag}_later')
        earlier = node('Slice', [x, const(f'{tag}_s0', [0]), const(f'{tag}_e0', [-1]), const(f'{tag}_a0', [axis])], f'{tag}_earlier')
        return node('Abs', [node('Sub', [later, earlier], f'{tag}_d')], f'{tag}_abs')

    def sharpness(x, sd, tag):
        dx, dy = shift(x, f'{tag}_dx', 2), shift(x, f'{tag}_dy', 1)
        peak = node('Add', [node('ReduceMax', [dx], f'{tag}_pdx', axes=[1, 2], keepdims=0),
                            node('ReduceMax', [dy], f'{tag}_pdy', axes=[1, 2], keepdims=0)], f'{tag}_peak')
        energy = node('Add', [mean(node('Mul', [dx, dx], f'{tag}_dx2'), f'{tag}_edx'), mean(node('Mul', [dy, dy], f'{tag}_dy2'), f'{tag}_edy')], f'{tag}_energy')
        sharp = node('Log', [node('Div', [node('Add', [peak, const(f'{tag}_c1', f(0.01))], f'{tag}_pk'), node('Add', [sd, f'{tag}_c1'], f'{tag}_sdk')], f'{tag}_pr')], f'{tag}_sharp')
        var = node('Mul', [sd, sd], f'{tag}_v')
        energy_ratio = node('Log', [node('Div', [node('Add', [energy, const(f'{tag}_c2', f(1e-5))], f'{tag}_ek'), node('Add', [var, f'{tag}_c2'], f'{tag}_vk')], f'{tag}_er')], f'{tag}_eratio')
        return sharp, energy_ratio

    def ratio(a, b, eps, tag):
        k = const(f'{tag}_eps', f(eps))
        return node('Log', [node('Div', [node('Add', [a, k], f'{tag}_a'), node('Add', [b, k], f'{tag}_b')], f'{tag}_r')], tag)

    def share(x, op, level, tag):
        return mean(node('Cast', [node(op, [x, const(f'{tag}_level', f(level))], f'{tag}_mask')], f'{tag}_f', to=TensorProto.FLOAT), tag)

    mc, sc = stats(c, 'c')
    mr, sr = stats(r, 'r')
    sharp_c, energy_c = sharpness(c, sc, 'cs')
    sharp_r, energy_r = sharpness(r, sr, 'rs')
    hw = const('hw_axes', [1, 2])
    centred_c = node('Sub', [c, node('Unsqueeze', [mc, hw], 'mc3')], 'cc')
    centred_r = node('Sub', [r, node('Unsqueeze', [mr, hw], 'mr3')], 'rc')
    likeness = node('Div', [mean(node('Mul', [centred_c, centred_r], 'cov_px'), 'cov'),
                            node('Add', [node('Mul', [sc, sr], 'sdsd'), const('like_eps', f(1e-4))], 'sdsd_k')], 'likeness')
    motion = node('Log', [node('Add', [mean(node('Abs', [node('Sub', [c, p], 'cp')], 'cp_abs'), 'motion_mean'), const('motion_eps', f(0.002))], 'motion_k')], 'motion')
    columns = [mc, sc, share(c, 'Greater', 0.9, 'bright'), share(c, 'Less', 0.05, 'dark'), mr,
               ratio(mc, mr, 0.02, 'lum'), ratio(sc, sr, 0.01, 'con'), motion,
               sharp_c, sharp_r, node('Sub', [sharp_c, sharp_r], 'blur'), node('Sub', [energy_c, energy_r], 'eblur'), likeness]
    one = const('feature_axis', [1])
    return node('Concat', [node('Unsqueeze', [x, one], f'col{i}') for i, x in enumerate(columns)], 'features', axis=1)


# ---- training ----


def load(prefix):
    meta = json.load(open(f'{prefix}.json'))
    h, w = meta['height'], meta['width']
    frames = np.fromfile(f'{prefix}.frames', dtype=np.uint8).reshape(-1, h, w).astype(np.float32)
    return meta['checks'], frames


def examples(checks, frames):
    """(current, previous, reference) triples, labels and cameras; each scene also seen against the reference of the
    previous darkness level, as a reference that lags behind dusk or dawn."""
    normal = {}
    for ch in checks:
        if ch['label'] == 'normal':
            normal.setdefault((ch['camera'], ch['darkness']), []).extend(range(ch['first'], ch['first'] + ch['frames']))
    refs = {key: frames[idx].mean(axis=0) for key, idx in normal.items()}
    levels = sorted({d for _, d in refs})
    cur, prev, ref, labels, cams = [], [], [], [], []
    for ch in checks:
        i = levels.index(ch['darkness'])
        lagging = [(ch['camera'], levels[i])] + ([(ch['camera'], levels[i - 1])] if i > 0 else [])
        for key in lagging:
            for k in range(ch['first'] + 1, ch['first'] + ch['frames']):
                cur.append(frames[k]); prev.append(frames[k - 1]); ref.append(refs[key])
                labels.append(CLASSES.index(ch['label'])); cams.append(ch['camera'])
    return features_np(np.array(cur), np.array(prev), np.array(ref)), np.array(labels), np.array(cams)


def train(x, y):
    rng = np.random.default_rng(SEED)
    mu, sigma = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mu) / sigma
    w1 = rng.normal(0, 0.3, (z.shape[1], HIDDEN)); b1 = np.zeros(HIDDEN)
    w2 = rng.normal(0, 0.3, (HIDDEN, len(CLASSES))); b2 = np.zeros(len(CLASSES))
    params = [w1, b1, w2, b2]
    moments = [(np.zeros_like(q), np.zeros_like(q)) for q in params]
    onehot = np.eye(len(CLASSES))[y]
    weight = np.where(y == 0, NORMAL_WEIGHT, 1.0)[:, None] / len(y)
    for t in range(1, EPOCHS + 1):
        h = np.maximum(z @ w1 + b1, 0)
        logits = h @ w2 + b2
        prob = np.exp(logits - logits.max(axis=1, keepdims=True)); prob /= prob.sum(axis=1, keepdims=True)
        g_logits = (prob - onehot) * weight
        g_w2 = h.T @ g_logits + 1e-4 * w2; g_b2 = g_logits.sum(axis=0)
        g_h = (g_logits @ w2.T) * (h > 0)
        g_w1 = z.T @ g_h + 1e-4 * w1; g_b1 = g_h.sum(axis=0)
        for q, g, (m, v) in zip(params, [g_w1, g_b1, g_w2, g_b2], moments):
            m *= 0.9; m += 0.1 * g; v *= 0.999; v += 0.001 * g * g
            q -= 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return mu, sigma, params


def predict(model, x):
    mu, sigma, (w1, b1, w2, b2) = model
    return (np.maximum(((x - mu) / sigma) @ w1 + b1, 0) @ w2 + b2).argmax(axis=1)


def main():
    checks, frames = load(FRAMES)
    x, y, cams = examples(checks, frames)
    print(json.dumps({'examples': len(y), 'features': FEATURES}))
    correct = np.zeros(len(CLASSES)); total = np.zeros(len(CLASSES))
    for cam in sorted(set(cams)):
        held = cams == cam
        guess = predict(train(x[~held], y[~held]), x[held])
        for k in range(len(CLASSES)):
            total[k] += (y[held] == k).sum(); correct[k] += ((y[held] == k) & (guess == k)).sum()
    print(json.dumps({'leave_one_camera_out_accuracy': {c: round(float(correct[k] / total[k]), 3) for k, c in enumerate(CLASSES)}}))

    mu, sigma, (w1, b1, w2, b2) = train(x, y)
    features = features_graph()
    z = node('Div', [node('Sub', [features, const('feature_mean', mu.astype(np.float32))], 'centred'), const('feature_scale', sigma.astype(np.float32))], 'z')
    hidden = node('Relu', [node('Gemm', [z, const('w1', w1.astype(np.float32)), const('b1', b1.astype(np.float32))], 'h0')], 'hidden')
    node('Softmax', [node('Gemm', [hidden, const('w2', w2.astype(np.float32)), const('b2', b2.astype(np.float32))], 'logits')], 'scores', axis=1)
    frame = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, ['batch', 'height', 'width'])
    graph = helper.make_graph(nodes, 'camera_health', [frame('current'), frame('previous'), frame('reference')],
                              [helper.make_tensor_value_info('scores', TensorProto.FLOAT, ['batch', len(CLASSES)])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='ioc make_camera_health.py')
    model.doc_string = 'scores: probability of ' + ', '.join(CLASSES)
    onnx.checker.check_model(model)
    onnx.save(model, OUT)
    train_accuracy = float((predict((mu, sigma, (w1, b1, w2, b2)), x) == y).mean())
    print(json.dumps({'model': os.path.relpath(OUT), 'train_accuracy': round(train_accuracy, 3)}))


main()
