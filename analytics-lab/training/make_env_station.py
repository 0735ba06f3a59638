"""Builds models/env-station-<kind>.onnx: the multivariate station model (a small autoencoder) for each kind in
STATION_MODEL_METRICS (src/env/station-model.ts), trained with Debian's python3-torch on normal simulated data.

  apt-get install -y python3-torch python3-onnx
  /usr/bin/python3 analytics-lab/training/make_env_station.py

It runs make_env_station_data.ts (npx tsx) for the training data: the simulator's environment models, no incidents,
a fleet placed with another seed and three weeks of weather the evaluations do not use, standardised by the
detector's own normaliser. Inputs are a station's standardised metrics; the graph outputs each metric's squared
reconstruction error (`errors`) and their mean divided by its 99.9th percentile on held-out normal data (`score`).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, '..', '..', 'analytics', 'models')
HIDDEN = int(os.environ.get('HIDDEN', 16))
BOTTLENECK = int(os.environ.get('BOTTLENECK', 3))
EPOCHS = int(os.environ.get('EPOCHS', 30))
CLIP = 8.0  # standardised values beyond ±8 are clipped: a spike's size must not blow the error up without bound


class StationAutoencoder(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.encode = nn.Sequential(nn.Linear(width, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, BOTTLENECK))
        self.decode = nn.Sequential(nn.Linear(BOTTLENECK, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, width))

    def forward(self, x):
        x = torch.clamp(x, -CLIP, CLIP)
        return self.decode(self.encode(x)) - x


class ScoringGraph(nn.Module):
    """What the ONNX file computes: per-metric squared errors and their calibrated mean."""

    def __init__(self, autoencoder, calibration):
        super().__init__()
        self.autoencoder = autoencoder
        self.register_buffer('calibration', torch.tensor(calibration, dtype=torch.float32))

    def forward(self, features):
        errors = self.autoencoder(features) ** 2
        return errors.mean(dim=1) / self.calibration, errors


def train(kind, rows):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    rows = rows[rng.permutation(len(rows))]
    split = int(0.8 * len(rows))
    fit, held_out = torch.tensor(rows[:split]), torch.tensor(rows[split:])
    model = StationAutoencoder(rows.shape[1])
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(EPOCHS):
        for batch in torch.split(fit[torch.randperm(len(fit))], 512):
            optimiser.zero_grad()
            loss = (model(batch) ** 2).mean()
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        held_errors = (model(held_out) ** 2).mean(dim=1).numpy()
    calibration = float(np.quantile(held_errors, 0.999))
    print(f'{kind}: {len(fit)} training rows, held-out mean error {held_errors.mean():.4f}, 99.9th percentile {calibration:.4f}')
    graph = ScoringGraph(model, calibration).eval()
    out = os.path.join(MODELS, f'env-station-{kind}.onnx')
    torch.onnx.export(graph, torch.zeros(1, rows.shape[1]), out, input_names=['features'], output_names=['score', 'errors'],
                      dynamic_axes={'features': {0: 'batch'}, 'score': {0: 'batch'}, 'errors': {0: 'batch'}}, opset_version=17)
    onnx.checker.check_model(onnx.load(out))
    print(f'wrote {out}')


def main():
    with tempfile.TemporaryDirectory() as data:
        subprocess.run(['npx', 'tsx', os.path.join(HERE, 'make_env_station_data.ts'), data], check=True, cwd=os.path.join(HERE, '..', '..'))
        for name in sorted(os.listdir(data)):
            kind = name.removesuffix('.csv')
            rows = np.loadtxt(os.path.join(data, name), delimiter=',', skiprows=1, dtype=np.float32)
            train(kind, rows)


if __name__ == '__main__':
    sys.exit(main())
