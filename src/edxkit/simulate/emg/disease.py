"""Neurogenic and myopathic remodelling of the pool and of the fibres near the needle (and ageing).

Neurogenic (axon loss with collateral reinnervation; Wohlfart 1958, Kugelberg, Stålberg):

* a fraction ``0.5 + 0.4·severity`` of units is lost at random (50 % loss is about where MUAP changes become
  detectable; 90 % is severe);
* a fraction of the orphaned fibres is adopted by surviving units (0 for ``acute``, 0.7 for
  ``chronic_active``, 0.9 for ``chronic``), each survivor growing in proportion to its size
  (Gamma-distributed share) up to 5-fold;
* collateral sprouts reach orphaned fibres inside the survivor's own territory, so every adopted fibre is
  placed beside one of the survivor's fibres (Poisson(factor − 1) children per fibre, Gaussian offset SD
  0.15 mm): the unit's *local* fibre density rises by its enlargement factor — fibre-type grouping, SFEMG
  fibre density ≈1.5 → 2.5–4 at severity 0.5–0.7 (Stålberg & Trontelj) — while its territory stays about
  the same (collateral sprouts grow over short distances, Wohlfart 1958; reinnervated units are clustered,
  Kugelberg et al. 1970). The extra fibres near the needle are what make a surviving unit's MUAP large;
* the adopted fibre keeps its own end-plate site (offset from the parent's by SD 2 mm, the spread of the
  innervation band), and its sprout adds a terminal delay (gamma, mean 0.5 ms mature, 1.2 ms immature: thin,
  slowly conducting, scattered) → long, polyphasic MUAPs with late components (satellites);
* immature sprouts (``chronic_active``: 60 % of survivors; all survivors would be immature in a subacute
  lesion) have jitter 60–150 µs and block 2–30 % of discharges (the unit is marked unstable: jiggle), and
  their fibres are still atrophic from denervation (diameter × 0.6–0.85, like fibrillating fibres), so they
  conduct slowly and add small late spikes;
* the force of a survivor grows with the fibres it adopts, but an immature unit's adopted fibres are atrophic
  and block intermittently, so they add force only in proportion to their mean cross-section × the fraction of
  discharges that pass: E[s²]·(1 − E[block]) = 0.53 · 0.84 ≈ 0.45 per adopted fibre (s ∼ U(0.6, 0.85),
  block ∼ U(0.02, 0.3), as above). Electrical size and force dissociate in active reinnervation: in the FDI
  of 20 ALS patients, units of slightly affected muscles had enlarged macro-EMG potentials and increased
  twitch forces, those of more severely affected muscles decreased twitch forces with enlarged or normal
  macro-EMG potentials (Dengler et al. 1990, Muscle Nerve 13:545–550, spike-triggered averaging). Model
  version 4 (version 3 counted every adopted fibre at full force, so the enlarged survivors matched the
  minimal force at normal rates); mature (``chronic``) sprouts count fully;
* thresholds are kept (the motoneurons survive unchanged), so for a given force fewer units fire faster
  (reduced recruitment).

Myopathic (necrosis, atrophy/hypertrophy, regeneration):

* each fibre is lost with probability ``0.2 + 0.5·severity``;
* fibre diameters scatter more (CV 0.12 → 0.12 + 0.25·severity) around a mean reduced by ``15 %·severity``,
  so conduction velocities scatter (slow atrophic fibres give late components) and SFAP sizes vary;
* jitter rises (regenerating end-plates), × (1 + severity);
* each unit's force falls with its fibre count and cross-section, so more units are needed for the same force
  (early recruitment).

Ageing: above 60 years 1 % of units per year is lost with chronic reinnervation (McComas/Campbell MUNE, TB).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from edxkit.simulate.emg.pool import BoolArray, Fibres, FloatArray, Pool

ADOPTION = {"acute": 0.0, "chronic_active": 0.7, "chronic": 0.9}
MAX_ENLARGEMENT = 5.0
SPROUT_SPREAD_MM = 0.15
IMMATURE_ATROPHY = (0.6, 0.85)  # diameter scale of an immature unit's adopted (long-denervated) fibres
IMMATURE_BLOCK = (0.02, 0.3)  # blocking probability of an immature sprout
_ATROPHY_AREA = (IMMATURE_ATROPHY[1] ** 3 - IMMATURE_ATROPHY[0] ** 3) / (
    3.0 * (IMMATURE_ATROPHY[1] - IMMATURE_ATROPHY[0])
)  # E[s²] for s uniform
IMMATURE_FORCE = _ATROPHY_AREA * (1.0 - 0.5 * sum(IMMATURE_BLOCK))  # force of an immature adopted fibre ≈0.45


def neurogenic_loss_fraction(severity: float) -> float:
    """Fraction of motor units lost for a neurogenic ``severity`` in [0, 1]."""
    return 0.5 + 0.4 * severity


def _survivors(rng: np.random.Generator, pool: Pool, loss: float) -> BoolArray:
    alive = pool.alive.copy()
    living = np.flatnonzero(alive)
    n_lost = round(loss * living.size)
    alive[rng.permutation(living)[:n_lost]] = False
    return alive


def _enlargement(rng: np.random.Generator, pool: Pool, alive: BoolArray, adoption: float) -> FloatArray:
    """Per-unit fibre-count multiplier of the survivors after adopting orphaned fibres."""
    orphans = pool.n_fibres[pool.alive & ~alive].sum() * adoption
    share = pool.n_fibres * rng.gamma(4.0, 0.25, pool.size) * alive
    factor = np.ones(pool.size)
    if share.sum() > 0:
        factor = 1.0 + orphans * share / share.sum() / np.maximum(pool.n_fibres, 1e-9)
    return np.minimum(factor, MAX_ENLARGEMENT)


def _sprouts(
    rng: np.random.Generator, fibres: Fibres, factor: FloatArray, immature_units: BoolArray
) -> Fibres:
    """Adopted fibres placed beside each surviving fibre (Poisson(factor − 1) per parent fibre)."""
    n_child = rng.poisson(np.maximum(factor[fibres.unit] - 1.0, 0.0))
    parent = np.repeat(np.arange(fibres.unit.size), n_child)
    total = parent.size
    immature = immature_units[fibres.unit[parent]]
    sprout_delay = np.where(immature, rng.gamma(2.0, 0.6, total), rng.gamma(2.0, 0.25, total))
    return Fibres(
        unit=fibres.unit[parent],
        x_mm=fibres.x_mm[parent] + rng.normal(0.0, SPROUT_SPREAD_MM, total),
        y_mm=fibres.y_mm[parent] + rng.normal(0.0, SPROUT_SPREAD_MM, total),
        endplate_mm=fibres.endplate_mm[parent] + rng.normal(0.0, 2.0, total),
        delay_ms=fibres.delay_ms[parent] + sprout_delay,
        diameter_um=fibres.diameter_um[parent]
        * np.clip(rng.normal(1.0, 0.12, total), 0.5, 1.6)
        * np.where(immature, rng.uniform(*IMMATURE_ATROPHY, total), 1.0),
        jitter_us=np.where(immature, rng.uniform(60.0, 150.0, total), fibres.jitter_us[parent]),
        block_prob=np.where(immature, rng.uniform(*IMMATURE_BLOCK, total), 0.0),
    )


def reinnervate(
    rng: np.random.Generator, pool: Pool, fibres: Fibres, *, loss: float, chronicity: str
) -> tuple[Pool, Fibres]:
    """Lose a fraction ``loss`` of the living units; survivors adopt orphans as ``chronicity`` allows."""
    alive = _survivors(rng, pool, loss)
    factor = _enlargement(rng, pool, alive, ADOPTION[chronicity])
    immature = (
        alive & (factor > 1.05) & (rng.random(pool.size) < (0.6 if chronicity == "chronic_active" else 0.0))
    )
    kept = fibres.select(alive[fibres.unit])
    adopted_force = np.where(immature, IMMATURE_FORCE, 1.0)
    grown = kept.concat(_sprouts(rng, kept, factor, immature)) if ADOPTION[chronicity] > 0 else kept
    new_pool = replace(
        pool,
        n_fibres=np.where(alive, pool.n_fibres * factor, 0.0),
        force_weight=np.where(alive, pool.force_weight * (1.0 + (factor - 1.0) * adopted_force), 0.0),
        alive=alive,
        stable=pool.stable & ~immature,
    )
    return new_pool, grown


def neurogenic(
    rng: np.random.Generator, pool: Pool, fibres: Fibres, severity: float, chronicity: str
) -> tuple[Pool, Fibres]:
    """Neurogenic remodelling at ``severity`` (see module docstring)."""
    return reinnervate(rng, pool, fibres, loss=neurogenic_loss_fraction(severity), chronicity=chronicity)


def myopathic(rng: np.random.Generator, pool: Pool, fibres: Fibres, severity: float) -> tuple[Pool, Fibres]:
    """Myopathic remodelling at ``severity`` (see module docstring)."""
    loss = 0.2 + 0.5 * severity
    keep = rng.random(fibres.unit.size) >= loss
    kept = fibres.select(keep)
    spread = 0.12 + 0.25 * severity
    scale = (1.0 - 0.15 * severity) * np.clip(rng.normal(1.0, spread, kept.unit.size), 0.3, 2.0)
    unit_mean = pool.diameter_um[kept.unit]
    diameter = unit_mean * scale
    kept = replace(kept, diameter_um=diameter, jitter_us=kept.jitter_us * (1.0 + severity))
    mean_sq = (1.0 - 0.15 * severity) ** 2 * (1.0 + spread**2)
    new_pool = replace(
        pool,
        n_fibres=pool.n_fibres * (1.0 - loss),
        force_weight=pool.force_weight * (1.0 - loss) * mean_sq,
    )
    return new_pool, kept


def ageing(rng: np.random.Generator, pool: Pool, fibres: Fibres, age_years: float) -> tuple[Pool, Fibres]:
    """Loss of 1 %/year of units above 60 years with chronic reinnervation (no change below 60)."""
    loss = float(np.clip((age_years - 60.0) * 0.01, 0.0, 0.35))
    if loss <= 0.0:
        return pool, fibres
    return reinnervate(rng, pool, fibres, loss=loss, chronicity="chronic")
