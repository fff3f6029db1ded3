#!/usr/bin/python3
"""The trading environment of `kestrel bench rl` (src/rl/trading_env.cpp) in Python/numpy, for a
like-for-like throughput figure.

Usage: bash bench/rl_env_vs_numpy.sh (runs both back to back and prints the ratio), or
       /usr/bin/python3 bench/rl_env.py ../shared/data/us-daily [EPISODES] [STEPS]

Same data (adjusted open/close of every stock file, SPY/SPX/"Benchmark" excluded), same
observation (1/5/20-day log returns and 20-day volatility, x10, then six position and portfolio
values), same rules: sizing control (target weight = action x 10%), the largest 20 weights kept,
sectors scaled to 30%, the total to 80%, no buys the day after a 5% loss, trunc(w x equity /
close) shares, no position under $100, half-size new positions after 3 losing round trips in a
row, fills at the next open with 5 bps slippage and $0.005 a share ($1 minimum, rounded up to
the cent) on the venue's micro-dollar price grid; the kernel's protective stop orders (5% below
the average entry, break-even after +3% then a 2% trail, never loosened; filled at the open on a
gap through them, else at the stop when the low reaches it; lifted for a session by a sell) and
its 30-session time stop; the 15% drawdown halt, episodes of 252 days. Stepped vectorised over
episodes x tickers, as numpy is meant to be used; the buys' cash check falls back to a loop only
for an episode whose buys would overdraw it. The "check" line must match kestrel's.
Debian's python3-numpy and python3-pandas (for reading the files).
"""
import glob
import os
import sys
import time

import numpy as np
import pandas as pd

MAX_W, MAX_SECTOR, MAX_TOTAL, MAX_POS, MIN_POS = 0.10, 0.30, 0.80, 20, 100.0
DAILY_LOSS, MAX_DD, EPISODE_DAYS = 0.05, 0.15, 252
SLIP, PER_SHARE, MIN_FEE = 5e-4, 0.005, 1.0
STOP, BREAKEVEN, TRAIL, TIME_STOP = 0.05, 0.03, 0.02, 30
LOSING_STREAK, STREAK_FACTOR = 3, 0.5
CASH = 100_000.0
UNITS = 1_000_000  # core::Price / core::Money units per dollar


def to_units(price):
    """The venue's price grid (llround of positive prices)."""
    return np.floor(price * UNITS + 0.5).astype(np.int64)


def load(folder):
    frames = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.csv.gz"))):
        frames[os.path.basename(path)[: -len(".csv.gz")]] = pd.read_csv(path, parse_dates=["date"], index_col="date")
    sectors = {}
    universe_path = os.path.join(folder, "universe.csv")
    if os.path.exists(universe_path):
        u = pd.read_csv(universe_path, keep_default_na=False)
        sectors = dict(zip(u.ticker, u.sector))
    tickers = sorted(frames)
    stocks = [t for t in tickers if t not in ("SPY", "SPX") and sectors.get(t, "") != "Benchmark"]
    wide = {f: pd.DataFrame({t: frames[t][f] for t in tickers}).sort_index() for f in ["open", "low", "close", "adj_close"]}
    factor = (wide["adj_close"] / wide["close"])[stocks].to_numpy()
    open_ = (wide["open"] * wide["adj_close"] / wide["close"])[stocks].to_numpy()
    low = (wide["low"] * wide["adj_close"] / wide["close"])[stocks].to_numpy()
    close = wide["adj_close"][stocks].to_numpy()
    names = sorted({sectors.get(t, "") for t in stocks} - {""})
    sector = np.array([names.index(sectors[t]) if sectors.get(t, "") else -1 for t in stocks])
    return open_, low, close, factor, sector


def features(close):
    last = pd.DataFrame(np.where(close > 0, np.log(close), np.nan)).ffill().to_numpy()
    T, N = close.shape
    out = np.zeros((T, N, 4), np.float32)
    for j, d in enumerate((1, 5, 20)):
        r = np.full((T, N), np.nan)
        r[d:] = last[d:] - last[:-d]
        out[:, :, j] = np.where(np.isfinite(r), 10 * r, 0)
    daily = np.full((T, N), np.nan)
    daily[1:] = last[1:] - last[:-1]
    vol = pd.DataFrame(daily).rolling(20).std().to_numpy()  # NaN when any of the 20 is missing
    vol[:20] = np.nan
    out[:, :, 3] = np.where(np.isfinite(vol), 10 * vol, 0)
    return out


class Env:
    def __init__(self, open_, low, close, factor, sector, feats, episodes, first_day, seed=11):
        self.o, self.low, self.c, self.factor, self.sector, self.feats = open_, low, close, factor, sector, feats
        self.lc = pd.DataFrame(close).ffill().to_numpy()
        self.T, self.N = close.shape
        self.E = episodes
        self.first, self.last = first_day, self.T - 1
        self.rng = np.random.default_rng(seed)
        self.sectors = [sector == s for s in range(sector.max() + 1)]
        self.start_all(np.full(episodes, first_day))

    def start_all(self, starts, which=None):
        if which is None:
            which = np.ones(self.E, bool)
            self.cash, self.equity, self.peak = (np.zeros(self.E) for _ in range(3))
            self.day, self.start = np.zeros(self.E, int), np.zeros(self.E, int)
            self.no_buys = np.zeros(self.E, bool)
            self.streak, self.placed_so_far = np.zeros(self.E, int), np.zeros(self.E, np.int64)
            self.shares, self.entry, self.best, self.realized, self.stop, self.prot = (
                np.zeros((self.E, self.N)) for _ in range(6))
            self.cost, self.placed = np.zeros((self.E, self.N), np.int64), np.zeros((self.E, self.N), np.int64)
            self.held, self.entry_day = np.zeros((self.E, self.N), int), np.zeros((self.E, self.N), int)
            self.trailing = np.zeros((self.E, self.N), bool)
        self.cash[which] = CASH
        self.equity[which] = CASH
        self.peak[which] = CASH
        self.day[which] = starts[which] if len(starts) == self.E else starts
        self.start[which] = self.day[which]
        self.no_buys[which] = False
        self.streak[which] = 0
        self.placed_so_far[which] = 0
        for a in (self.shares, self.entry, self.best, self.realized, self.stop, self.prot, self.cost, self.placed,
                  self.held, self.entry_day, self.trailing):
            a[which] = 0

    def random_starts(self, n):
        latest = max(self.first, self.last - EPISODE_DAYS)
        return self.first + self.rng.integers(0, latest - self.first + 1, n)

    def observe(self):
        t = self.day
        lc = self.lc[t]
        held = self.shares != 0
        value = np.where(held, self.shares * np.nan_to_num(lc), 0)
        eq = self.equity[:, None]
        state = np.zeros((self.E, self.N, 6), np.float32)
        state[:, :, 0] = value / eq
        state[:, :, 1] = np.where(held, lc / np.where(held, self.entry, 1) - 1, 0)
        state[:, :, 2] = np.where(held, self.held / 20.0, 0)
        state[:, :, 3] = (self.cash / self.equity)[:, None]
        state[:, :, 4] = (1 - self.equity / self.peak)[:, None]
        state[:, :, 5] = (value.sum(1) / self.equity)[:, None]
        return np.concatenate([self.feats[t], state], axis=2)

    def step(self, actions):
        E, N = self.E, self.N
        t = self.day
        nxt = t + 1
        C, LC, O1, F1 = self.c[t], self.lc[t], self.o[nxt], self.factor[nxt]
        eq = self.equity[:, None]
        sh = self.shares
        held = sh != 0
        current = np.where(held, sh * np.nan_to_num(LC), 0) / eq
        w = np.clip(actions, 0, 1) * MAX_W
        keep = np.zeros((E, N), bool)
        nobar = np.isnan(C)
        w = np.where(nobar, current, w)
        keep |= nobar
        # the kernel's trade rules at t's close: time-stop exits, else protective stops (tightened
        # only); a changed stop is a new order, numbered in ticker order like every order placed
        Cs = np.nan_to_num(C)
        has = held & ~nobar
        time_exit = has & (t[:, None] - self.entry_day >= TIME_STOP) & (Cs <= self.entry)
        rules = has & ~time_exit
        self.trailing |= rules & (self.best >= self.entry * (1 + BREAKEVEN))
        level = self.entry * (1 - STOP)
        level = np.where(self.trailing, np.maximum(level, np.maximum(self.entry, self.best * (1 - TRAIL))), level)
        new_stop = np.maximum(to_units(level) / UNITS, self.stop)
        replaced = rules & ((self.prot == 0) | (new_stop != self.stop) | (self.prot != sh))
        self.stop = np.where(time_exit, 0, np.where(rules, new_stop, self.stop))
        self.prot = np.where(time_exit, 0, np.where(rules, sh, self.prot))
        placed_now = time_exit | replaced
        self.placed = np.where(placed_now, self.placed_so_far[:, None] + np.cumsum(placed_now, axis=1), self.placed)
        self.placed_so_far += placed_now.sum(1)

        limited = self.no_buys[:, None] & (w > current)
        w = np.where(limited, current, w)
        keep |= limited
        # the largest MAX_POS weights
        over = (w > 0).sum(1) > MAX_POS
        if over.any():
            order = np.argsort(-w[over], axis=1, kind="stable")
            drop = np.zeros(order.shape, bool)
            np.put_along_axis(drop, order[:, MAX_POS:], True, axis=1)
            w[over] = np.where(drop, 0, w[over])
            keep[over] &= ~drop
        for members in self.sectors:
            total = (w * members).sum(1)
            f = np.where(total > MAX_SECTOR, MAX_SECTOR / np.where(total > 0, total, 1), 1.0)[:, None]
            scaled = members & (w > 0) & (f < 1)
            w = np.where(scaled, w * f, w)
            keep &= ~scaled
        total = w.sum(1)
        f = np.where(total > MAX_TOTAL, MAX_TOTAL / np.where(total > 0, total, 1), 1.0)[:, None]
        scaled = (w > 0) & (f < 1)
        w = np.where(scaled, w * f, w)
        keep &= ~scaled

        # the agent's orders, sized at t's close
        before = np.where(held, sh * np.nan_to_num(LC), 0)
        ordered = ~keep & ~nobar
        with np.errstate(invalid="ignore", divide="ignore"):
            desired = np.trunc(w * eq / np.where(nobar, 1, C))
        desired = np.where(desired * Cs < MIN_POS, 0, desired)
        delta = np.where(ordered, desired - sh, 0)
        selling = delta < 0  # a sell lifts the position's protective orders for the session
        self.stop = np.where(selling, 0, self.stop)
        self.prot = np.where(selling, 0, self.prot)
        time_exit &= ~selling
        halved = (delta > 0) & (sh == 0) & (self.streak >= LOSING_STREAK)[:, None]
        delta = np.where(halved, np.trunc(delta * STREAK_FACTOR), delta)
        delta = np.where(halved & (delta * Cs < MIN_POS), 0, delta)
        flow = np.zeros((E, N))
        traded = np.zeros((E, N))
        O = np.nan_to_num(O1)
        has_open = ~np.isnan(O1)
        F = np.nan_to_num(F1)
        # round trips closed today: their order (the venue's) moves the losing streak
        closed_key = np.full((E, N), -1, np.int64)
        closed_pnl = np.zeros((E, N))

        def fee(shares, factor):
            return np.ceil(np.maximum(PER_SHARE * shares * factor, MIN_FEE) * 100 - 1e-7) / 100

        def sell(mask, q, base, key):
            nonlocal sh, flow, traded
            if not mask.any():
                return
            q = np.where(mask, q, 0)
            price = to_units(base * (1 - SLIP)) / UNITS
            value = q * price
            f = np.where(mask, fee(q, F), 0)
            cash_in = np.where(mask, value - f, 0)
            self.cash += cash_in.sum(1)
            flow += cash_in
            traded += np.where(mask, value, 0)
            self.realized = np.where(mask, self.realized + ((price - self.entry) * q - f), self.realized)
            with np.errstate(invalid="ignore", divide="ignore"):
                part = np.floor(self.cost.astype(float) * (q / np.where(mask, sh, 1)) + 0.5).astype(np.int64)
            self.cost = np.where(mask, self.cost - part, self.cost)
            sh = np.where(mask, sh - q, sh)
            gone = mask & (sh <= 0)
            left = mask & ~gone
            safe = np.where(left, sh, 1).astype(np.int64)
            self.entry = np.where(left, (self.cost // safe) / UNITS, self.entry)
            closed_key[gone] = key[gone]
            closed_pnl[gone] = self.realized[gone]
            sh = np.where(gone, 0, sh)
            for a in (self.entry, self.best, self.realized, self.stop, self.prot, self.cost, self.placed, self.held,
                      self.entry_day, self.trailing):
                a[gone] = 0

        k_index = np.broadcast_to(np.arange(N), (E, N))
        # the next open: protective orders (placed before the agent's) first, then its sells
        protective = (sh != 0) & (time_exit | (self.prot > 0))
        at_open = protective & has_open & (time_exit | (O <= self.stop))
        q = np.where(time_exit, sh, np.minimum(self.prot, sh))
        self.prot = np.where(at_open & ~time_exit, 0, self.prot)
        sell(at_open, q, O, self.placed.copy())
        sell((delta < 0) & has_open, -delta, O, (1 << 40) + k_index)
        buys = (delta > 0) & has_open
        if buys.any():
            price = to_units(O * (1 + SLIP)) / UNITS
            # the cash check, ticker by ticker as kestrel does: vectorised when no buy hits it
            cap = np.floor(self.cash[:, None] / np.where(buys, O * 1.01, 1))
            q = np.where(buys, np.minimum(delta, cap), 0)
            cost = np.where(q > 0, q * price + fee(q, F), 0)
            tight = np.nonzero((np.cumsum(cost, axis=1) > self.cash[:, None] - 1e-9).any(1) | (q < delta).any(1))[0]
            for e in tight:  # rare: replay this episode's buys in order
                cash = self.cash[e]
                for k in np.nonzero(buys[e])[0]:
                    qk = min(delta[e, k], np.floor(cash / (O[e, k] * 1.01)))
                    q[e, k] = qk if qk > 0 else 0
                    if q[e, k] > 0:
                        cash -= q[e, k] * price[e, k] + fee(q[e, k], F1[e, k])
            bought = q > 0
            value = q * price
            f = np.where(bought, fee(q, F), 0)
            cost = np.where(bought, value + f, 0)
            self.cash -= cost.sum(1)
            flow -= cost
            traded += np.where(bought, value, 0)
            fresh = bought & (sh == 0)
            for a in (self.realized, self.cost, self.trailing, self.stop, self.prot, self.held):
                a[fresh] = 0
            self.best = np.where(fresh, price, self.best)
            self.entry_day = np.where(fresh, nxt[:, None], self.entry_day)
            self.cost = np.where(bought, self.cost + to_units(price) * q.astype(np.int64), self.cost)
            sh = sh + q
            self.entry = np.where(bought, (self.cost // np.where(bought, sh, 1).astype(np.int64)) / UNITS, self.entry)
            self.realized = np.where(bought, self.realized - f, self.realized)
        # during the session: a working stop the day's low reaches fills at the stop
        L = self.low[nxt]
        intraday = protective & (sh != 0) & (self.prot > 0) & ~np.isnan(L) & (np.nan_to_num(L) <= self.stop)
        q = np.minimum(self.prot, sh)
        self.prot = np.where(intraday, 0, self.prot)
        sell(intraday, q, self.stop, (2 << 40) + self.placed)
        self.shares = sh
        # the losing streak: losers after the day's last winner, in the order the trips closed
        if (closed_key >= 0).any():
            win = (closed_key >= 0) & (closed_pnl > 0)
            lose = (closed_key >= 0) & (closed_pnl < 0)
            last_win = np.where(win, closed_key, -1).max(1)
            losers_after = (lose & (closed_key > last_win[:, None])).sum(1)
            self.streak = np.where(win.any(1), losers_after, self.streak + losers_after)

        C1, LC1 = self.c[nxt], self.lc[nxt]
        held = sh != 0
        bar = held & ~np.isnan(C1)
        self.best = np.where(bar, np.maximum(self.best, np.nan_to_num(C1)), self.best)
        self.held = np.where(bar, self.held + 1, self.held)
        after = np.where(held, sh * np.nan_to_num(LC1), 0)
        new_eq = self.cash + after.sum(1)
        simple = new_eq / self.equity - 1
        log_scale = np.where(simple != 0, np.log1p(simple) / np.where(simple != 0, simple, 1), 1.0)
        rewards = ((after - before + flow) / eq * log_scale[:, None]).astype(np.float32)
        self.peak = np.maximum(self.peak, new_eq)
        dd = 1 - new_eq / self.peak
        self.no_buys = simple <= -DAILY_LOSS
        self.equity = new_eq
        self.day = nxt
        halted = dd >= MAX_DD
        cut = ~halted & ((nxt >= self.last) | (nxt - self.start >= EPISODE_DAYS))
        ended = halted | cut
        if ended.any():
            self.start_all(self.random_starts(int(ended.sum())), ended)
        return self.observe(), rewards, halted, cut


def main():
    folder = sys.argv[1]
    episodes = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    open_, low, close, factor, sector = load(folder)
    feats = features(close)
    has_bar = ~np.isnan(close)
    first_stock = int(np.argmax(has_bar.any(1)))
    first_day = min(max(20, first_stock - 20), close.shape[0] - 2)

    check = Env(open_, low, close, factor, sector, feats, 1, first_day)
    half = np.full((1, close.shape[1]), 0.5)
    log_growth, days, halted = 0.0, 0, False
    while days < 250 and not halted:
        _, r, term, trunc = check.step(half)
        log_growth += float(r.sum(dtype=np.float64))
        days += 1
        halted = bool(term[0])
        if trunc[0]:
            break
    print(f"check: every ticker at half the position cap from day {first_day}: {days} days"
          f"{' (drawdown halt)' if halted else ''}, equity {CASH * np.exp(log_growth):.2f}")

    rng = np.random.default_rng(7)
    actions = rng.random((steps, episodes, close.shape[1]))
    times = []
    for _ in range(3):
        env = Env(open_, low, close, factor, sector, feats, episodes, first_day)
        env.start_all(env.random_starts(episodes))
        env.observe()
        t0 = time.perf_counter()
        for s in range(steps):
            env.step(actions[s])
        times.append(time.perf_counter() - t0)
    rows = episodes * close.shape[1]
    best = min(times)
    print(f"numpy env sizing: {rows} rows ({episodes} episodes x {close.shape[1]} tickers), {steps} steps: "
          f"compute best {best:.3f} s -> {rows * steps / best / 1e6:.2f} million ticker-steps/s")


if __name__ == "__main__":
    main()
