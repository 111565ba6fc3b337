/**
 * Transparency (002 第三十四条: allocations are public), with no credential: each funding round's
 * notices (the list and its hash) and its allocations, as JSON (`GET /public/rounds`,
 * `GET /public/rounds/:id`) and as one plain page in Chinese (`GET /public`: no script, no external
 * asset, every text escaped). What is public is decided once, in domain/round-public.ts; this
 * module only reads the rounds and renders them.
 */
import { Router } from 'express';
import { publicRound, publicRoundSummary, type PublicAllocation, type PublicRound } from '../domain/round-public';
import { parseRoundId, type RoundState } from '../domain/rounds';
import { Problem } from './problem';

/**
 * Where the rounds are read (over Temporal, one entity workflow per round). An implementation
 * throws a `Problem('unavailable', …)` when Temporal does not answer, so the caller gets a 503.
 */
export interface RoundDirectory {
  list(): Promise<RoundState[]>;
  get(id: string): Promise<RoundState | undefined>;
}

const selfLink = (id: string) => `/public/rounds/${encodeURIComponent(id)}`;

/** Newest window first, then by id: the order of the list and of the page. */
function newestFirst(a: RoundState, b: RoundState): number {
  const [x, y] = [a.definition, b.definition];
  if (x.window.opens !== y.window.opens) return x.window.opens < y.window.opens ? 1 : -1;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

export function publicRoutes(deps: { rounds: RoundDirectory }): Router {
  const router = Router();

  router.get('/public', async (_req, res) => {
    const rounds = (await deps.rounds.list()).sort(newestFirst).map(publicRound);
    res.type('text/html; charset=utf-8').send(renderPublicPage(rounds));
  });

  router.get('/public/rounds', async (_req, res) => {
    const rounds = (await deps.rounds.list()).sort(newestFirst);
    res.json({ rounds: rounds.map((r) => ({ ...publicRoundSummary(r), links: { self: selfLink(r.definition.id) } })) });
  });

  router.get('/public/rounds/:id', async (req, res) => {
    const id = String(req.params.id);
    if (!parseRoundId(id)) {
      const reason = 'must be a round id <programId>.<label>, e.g. dinghu-emergency-major-project.2026';
      throw new Problem('validation', `id: ${reason}`, { errors: [{ field: 'id', reason }] });
    }
    const state = await deps.rounds.get(id);
    if (!state) throw new Problem('not-found', `There is no round ${id} (GET /public/rounds lists them)`);
    res.json({ ...publicRound(state), links: { self: selfLink(id), list: '/public/rounds', page: '/public' } });
  });

  return router;
}

// ---- The page ---------------------------------------------------------------------------------

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every text that reaches the page goes through this. */
function esc(value: string | number | boolean): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ROUND_STATUS: Record<PublicRound['status'], string> = { open: '申报中', closed: '申报已截止' };
const NOTICE_KIND: Record<PublicRound['notices'][number]['kind'], string> = { list: '公示名单', correction: '更正公示' };
const ALLOCATION_STATUS: Record<PublicAllocation['status'], string> = { allocated: '已分配', reduced: '已核减', removed: '已撤销' };

const yuan = (amount: string) => `${esc(amount)} 元`;
const cells = (tag: 'th' | 'td', values: readonly string[]) => `<tr>${values.map((v) => `<${tag}>${v}</${tag}>`).join('')}</tr>`;

function table(head: readonly string[], rows: readonly (readonly string[])[], empty: string): string {
  if (rows.length === 0) return `<p>${esc(empty)}</p>`;
  return `<table><thead>${cells('th', head.map(esc))}</thead><tbody>${rows.map((r) => cells('td', r)).join('')}</tbody></table>`;
}

function proRataText(a: PublicAllocation): string {
  const p = a.proRata;
  if (!p) return '未按比例调整';
  if (!p.scaled) {
    return `核定合计 ${yuan(p.total)} 未超过预算 ${yuan(p.budget)}，未调整`;
  }
  return (
    `核定 ${yuan(a.approved)} × 预算 ${yuan(p.budget)} ÷ 核定合计 ${yuan(p.total)}（系数 ${esc(p.factor)}）= ${esc(p.exactShare)} 元；` +
    `舍至分 ${yuan(p.roundedDown)}` +
    (p.fenAdded === '0.01' ? '；按最大余数法补 0.01 元' : '；最大余数法未补分')
  );
}

function changesText(a: PublicAllocation): string {
  return a.changes.map((c) => `${esc(c.at.slice(0, 10))} 调整为 ${yuan(c.amount)}：${esc(c.why)}`).join('<br>');
}

function roundSection(r: PublicRound): string {
  const s = r.spotCheck;
  const relation = s.inclusive ? '低于' : '不超过';
  const draw = s.draw
    ? `<p>已抽取。公开的种子：<code>${esc(s.draw.seed)}</code>；${relation} ${yuan(s.threshold)} 的申请 ${esc(s.draw.ranking.length)} 件，抽取 ${esc(s.draw.count)} 件：` +
      `${s.draw.selected.map((id) => `<code>${esc(id)}</code>`).join('、') || '无'}。任何人可用 POST /calculations/round-draw 复算。</p>`
    : '<p>尚未抽取：申报期结束后抽取并公开种子。</p>';
  const notices = r.notices
    .map((n) => {
      const head = `<h4>第 ${esc(n.publication)} 次公示（${esc(NOTICE_KIND[n.kind])}）</h4>`;
      const entries = table(
        ['申请单位', '统一社会信用代码', '项目', '金额', '更正说明'],
        n.entries.map((e) => [esc(e.applicant.name), esc(e.applicant.creditCode), esc(e.programId), yuan(e.amount), esc(e.change ?? '')]),
        '本次公示无条目。',
      );
      return `${head}${entries}`;
    })
    .join('');
  return [
    `<section id="${esc(r.id)}">`,
    `<h2>${esc(r.programId)} · ${esc(r.label)}</h2>`,
    table(
      ['轮次', '项目', '申报期', '预算', '已分配', '剩余', '状态', '申报数'],
      [[
        esc(r.id), esc(r.programId), `${esc(r.window.opens)} 至 ${esc(r.window.closes)}`, yuan(r.budget),
        yuan(r.totals.allocated), yuan(r.totals.remaining), esc(ROUND_STATUS[r.status]), esc(r.applicationsFiled),
      ]],
      '',
    ),
    '<h3>现场抽查</h3>',
    `<p>比例 ${esc(s.ratePercent)}%，对象为金额${relation} ${yuan(s.threshold)} 的申请；种子的 SHA-256（开放申报时公布）：<code>${esc(s.seedSha256)}</code></p>`,
    draw,
    '<h3>公示</h3>',
    table(
      ['期次', '类型', '公示日期', '截止日', 'SHA-256'],
      r.notices.map((n) => [esc(n.publication), esc(NOTICE_KIND[n.kind]), esc(n.publishedOn), esc(n.lastDay), `<code>${esc(n.sha256)}</code>`]),
      '尚未公示。',
    ),
    notices,
    '<h3>分配结果</h3>',
    table(
      ['申请单位', '统一社会信用代码', '核定金额', '金额', '按比例调整说明', '状态', '变更'],
      r.allocations.map((a) => [
        esc(a.applicant.name), esc(a.applicant.creditCode), yuan(a.approved), yuan(a.allocated), proRataText(a), esc(ALLOCATION_STATUS[a.status]), changesText(a),
      ]),
      '尚无分配结果。',
    ),
    `<p>JSON：<a href="${esc(selfLink(r.id))}">${esc(selfLink(r.id))}</a></p>`,
    '</section>',
  ].join('\n');
}

const STYLE =
  'body{font-family:sans-serif;margin:1.5em;max-width:80em}table{border-collapse:collapse;margin:.5em 0}' +
  'th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}code{word-break:break-all}';

/** The whole page: every round, newest first. */
function renderPublicPage(rounds: readonly PublicRound[]): string {
  return [
    '<!doctype html>',
    '<html lang="zh-CN">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>产业扶持资金分配公开</title>',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<h1>产业扶持资金分配公开</h1>',
    '<p>各轮次的公示名单及其 SHA-256、最终分配结果与现场抽查，无需登录。JSON：<a href="/public/rounds">/public/rounds</a>。</p>',
    '<p>校验公示名单：SHA-256 为 canonical 文本（UTF-8）的摘要；canonical 是 {roundId, publication, kind, publishedOn, lastDay, entries} 的 JSON，' +
      '各层对象的键按字典序排列、无空白、字符原样书写、entries 按 applicationId 排序。各次公示的 canonical 全文见该轮次的 JSON。</p>',
    rounds.length ? rounds.map(roundSection).join('\n') : '<p>尚无轮次。</p>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
