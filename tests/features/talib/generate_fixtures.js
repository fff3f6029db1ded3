// Writes the TA-Lib reference values that tests/features/talib_fixture_test.cpp compares the
// Kestrel kernels against. Run by hand (CI only reads the committed output):
//
//   cd tests/features/talib
//   npm ci --ignore-scripts
//   cd node_modules/talib && rm -f src/lib/temp/csr/*.o src/lib/lib/*.a && node src/lib/build.js \
//     && node /usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js rebuild --nodedir=/usr
//   cd ../.. && node generate_fixtures.js
//
// Inputs: the last BARS bars of a few tickers of data/sample, adjusted the way store::Panel
// does it (open/high/low/close × adj_close/close; volume × the product of the split
// coefficients dated after the bar). Output: fixtures/talib_<TICKER>.csv, one column per
// indicator output, empty cells where TA-Lib gives no value (its warm-up).
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const talib = require('talib');

const SAMPLE = path.join(__dirname, '..', '..', '..', 'data', 'sample');
const OUT = path.join(__dirname, '..', 'fixtures');
const TICKERS = ['AAPL', 'JPM', 'XOM'];
const BARS = 260;

function readBars(ticker) {
  const text = zlib.gunzipSync(fs.readFileSync(path.join(SAMPLE, `${ticker}.csv.gz`))).toString();
  const lines = text.trim().split('\n').slice(1);
  return lines.map((line) => {
    const [date, open, high, low, close, adjClose, volume] = line.split(',');
    return { date, open: +open, high: +high, low: +low, close: +close, adjClose: +adjClose, volume: +volume };
  });
}

function readSplits(ticker) {
  const text = fs.readFileSync(path.join(SAMPLE, 'corporate_actions.csv')).toString();
  return text.trim().split('\n').slice(1)
    .map((line) => line.split(','))
    .filter((f) => f[0] === ticker)
    .map((f) => ({ date: f[1], coefficient: +f[3] }));
}

function adjusted(ticker) {
  const bars = readBars(ticker);
  const splits = readSplits(ticker);
  // Same arithmetic as store::Panel::adjusted and Panel::build's split factor.
  const factor = new Array(bars.length);
  let product = 1;
  let s = splits.length - 1;
  for (let i = bars.length - 1; i >= 0; --i) {
    for (; s >= 0 && splits[s].date > bars[i].date; --s) product *= splits[s].coefficient;
    factor[i] = product;
  }
  const rows = bars.map((b, i) => {
    const k = b.adjClose / b.close;
    return { date: b.date, open: b.open * k, high: b.high * k, low: b.low * k, close: b.close * k,
             volume: b.volume * factor[i] };
  });
  return rows.slice(rows.length - BARS);
}

function run(name, inputs, options) {
  const n = inputs.close.length;
  const r = talib.execute(Object.assign({ name, startIdx: 0, endIdx: n - 1 }, inputs, options));
  if (r.error) throw new Error(`${name}: ${r.error}`);
  const columns = {};
  for (const [key, values] of Object.entries(r.result)) {
    const full = new Array(n).fill(null);
    values.forEach((v, i) => { full[r.begIndex + i] = v; });
    columns[key] = full;
  }
  return columns;
}

for (const ticker of TICKERS) {
  const rows = adjusted(ticker);
  const close = rows.map((r) => r.close);
  const hlc = { high: rows.map((r) => r.high), low: rows.map((r) => r.low), close };
  const hlcv = Object.assign({ volume: rows.map((r) => r.volume) }, hlc);
  const real = { inReal: close, close };
  const columns = [
    ['sma_20', run('SMA', real, { optInTimePeriod: 20 }).outReal],
    ['ema_20', run('EMA', real, { optInTimePeriod: 20 }).outReal],
    ['ema_50', run('EMA', real, { optInTimePeriod: 50 }).outReal],
    ['rsi_7', run('RSI', real, { optInTimePeriod: 7 }).outReal],
    ['rsi_14', run('RSI', real, { optInTimePeriod: 14 }).outReal],
  ];
  const macd = run('MACD', real, { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 });
  columns.push(['macd_line', macd.outMACD], ['macd_signal', macd.outMACDSignal], ['macd_hist', macd.outMACDHist]);
  const bb = run('BBANDS', real, { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 });
  columns.push(['bb_upper', bb.outRealUpperBand], ['bb_middle', bb.outRealMiddleBand], ['bb_lower', bb.outRealLowerBand]);
  columns.push(['atr_14', run('ATR', hlc, { optInTimePeriod: 14 }).outReal]);
  columns.push(['natr_14', run('NATR', hlc, { optInTimePeriod: 14 }).outReal]);
  const stoch = run('STOCH', hlc, { optInFastK_Period: 14, optInSlowK_Period: 3, optInSlowK_MAType: 0,
                                     optInSlowD_Period: 3, optInSlowD_MAType: 0 });
  columns.push(['stoch_k', stoch.outSlowK], ['stoch_d', stoch.outSlowD]);
  columns.push(['willr_14', run('WILLR', hlc, { optInTimePeriod: 14 }).outReal]);
  columns.push(['cci_20', run('CCI', hlc, { optInTimePeriod: 20 }).outReal]);
  columns.push(['adx_14', run('ADX', hlc, { optInTimePeriod: 14 }).outReal]);
  columns.push(['plus_di_14', run('PLUS_DI', hlc, { optInTimePeriod: 14 }).outReal]);
  columns.push(['minus_di_14', run('MINUS_DI', hlc, { optInTimePeriod: 14 }).outReal]);
  columns.push(['mfi_14', run('MFI', hlcv, { optInTimePeriod: 14 }).outReal]);
  columns.push(['obv', run('OBV', Object.assign({ inReal: close }, hlcv), {}).outReal]);

  // 15 significant digits: far below the tests' 1e-9 relative tolerance, a third smaller files.
  const format = (v) => (v === null ? '' : String(Number(v.toPrecision(15))));
  const lines = [['date'].concat(columns.map(([name]) => name)).join(',')];
  rows.forEach((r, i) => lines.push([r.date].concat(columns.map(([, values]) => format(values[i]))).join(',')));
  const file = path.join(OUT, `talib_${ticker}.csv`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  console.log(`${file}: ${rows.length} bars, ${columns.length} columns`);
}
