"""Search latency on an archive of generated Chinese articles: median and p95 for 2-, 3- and 4-character queries.

    python bench/search.py [--articles 100000] [--db /tmp/bench-search.db] [--keep]

Articles are generated from a vocabulary of real news words plus a long tail of made-up two-character words,
drawn with Zipf frequencies (so some query words are in most articles and some in a handful), about a tenth
of them converted to Traditional. They are inserted into ``articles`` and indexed with
:func:`archive.search.bulk_index` in bulk, not through extraction. Each query runs :func:`archive.search.search`
(ranking, collapsing, snippets; limit 20) as the CLI does, on a warm connection.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.db import open_db  # noqa: E402
from archive.search import bulk_index, parse_query, search  # noqa: E402

# Words a regional news portal writes every day.
WORDS = """
发展 工作 建设 企业 项目 经济 市场 服务 管理 社会 群众 政府 推进 加强 提升 落实 创新 改革 产业 文化
安全 疫情 防控 教育 医疗 卫生 环境 生态 农村 农业 乡村 振兴 扶贫 脱贫 攻坚 党建 干部 人民 代表 会议
领导 调研 检查 指导 部署 要求 强调 指出 表示 介绍 记者 采访 报道 新闻 通讯 编辑 来源 发布 公布 通知
城市 街道 社区 居民 村民 学生 老师 学校 医院 医生 患者 疫苗 接种 核酸 检测 隔离 病例 确诊 防疫 物资
交通 道路 公路 铁路 高铁 机场 地铁 公交 车辆 司机 旅游 景区 游客 酒店 餐饮 消费 商场 超市 价格 物价
投资 招商 引资 园区 高新 科技 技术 人才 就业 创业 收入 工资 保障 养老 住房 租房 房价 土地 规划 工程
水利 防汛 抗旱 气象 天气 降雨 暴雨 高温 森林 防火 消防 应急 救援 事故 警方 公安 法院 检察 案件 法律
体育 比赛 运动 冠军 足球 篮球 音乐 演出 电影 艺术 展览 博物馆 图书馆 公园 广场 文明 志愿 服务站 活动
株洲 长沙 湘潭 衡阳 岳阳 常德 北京 上海 广州 深圳 武汉 成都 重庆 杭州 南京 天津 西安 郑州 福州 台北
高新区 开发区 示范区 自贸区 新能源 新材料 产业链 供应链 数字化 智能化 信息化 现代化 高质量 一体化 常态化 网格化
营商环境 民生实事 乡村振兴 疫情防控 安全生产 生态环境 文明城市 基层治理 招商引资 项目建设 经济发展 产业升级 科技创新 人才引进 城市更新 污染防治
新冠肺炎 核酸检测 疫苗接种 脱贫攻坚 共同富裕 碳达峰 碳中和 十四五 高质量发展 新发展格局 乡村旅游 智慧城市 数字经济 实体经济 民营企业 中小企业
""".split()

# Characters for the long tail of made-up words.
CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性"
    "好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向"
    "道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件"
    "长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色"
    "光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速"
    "花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段"
)

SITES = [f"www.{name}.gov.cn" for name in ("zhuzhou", "changsha", "xiangtan", "hengyang", "yueyang")] + [
    f"news{n}.example.cn" for n in range(45)
]


def vocabulary(rng: random.Random, tail: int = 6000) -> list[str]:
    """Real words first, then made-up two-character words; ranks shuffled so real words span all frequencies."""
    made_up = set()
    while len(made_up) < tail:
        made_up.add(rng.choice(CHARS) + rng.choice(CHARS))
    vocab = list(dict.fromkeys(WORDS + sorted(made_up)))
    rng.shuffle(vocab)
    return vocab


def generate(
    rng: random.Random, vocab: list[str], n: int, first: int = 0
) -> list[tuple[str, str, str, str, str]]:
    """n articles as (id, site, published_at, title, body), numbered from ``first``."""
    weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(vocab))]
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    s2t = opencc.OpenCC("s2t")
    out = []
    for i in range(n):
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(250, 550))
        paragraphs = []
        pos = 0
        while pos < len(words):
            sentences = []
            for _ in range(rng.randint(2, 5)):
                length = rng.randint(6, 16)
                chunk = words[pos : pos + length]
                pos += length
                if not chunk:
                    break
                # Commas inside a sentence, every few words.
                parts = ["".join(chunk[j : j + 4]) for j in range(0, len(chunk), 4)]
                sentences.append("，".join(parts) + "。")
            if sentences:
                paragraphs.append("".join(sentences))
        title = "".join(rng.choices(vocab, cum_weights=cum, k=rng.randint(4, 8)))
        body = "\n\n".join(paragraphs)
        if rng.random() < 0.1:
            title, body = s2t.convert(title), s2t.convert(body)
        day = 18262 + rng.randint(0, 3 * 365)  # 2020-01-01 + up to three years
        published = time.strftime("%Y-%m-%dT%H:%M:00+08:00", time.gmtime(day * 86400 + rng.randint(0, 86399)))
        out.append((f"a{first + i:06d}", rng.choice(SITES), published, title, body))
    return out


def build(path: Path, n: int, seed: int, commit_every: int = 5000, optimize: bool = True) -> list[str]:
    """Generate and index n articles, one transaction per ``commit_every`` (the ingest path commits every
    200 pages, which leaves FTS5 more segments to merge); ``optimize`` merges them into one at the end."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    db = open_db(path)
    conn = db.conn
    started = time.perf_counter()
    reported = 0
    for start in range(0, n, commit_every):
        rows = generate(rng, vocab, min(commit_every, n - start), start)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO articles (id, url, site, title, published_at, body, first_seen, last_seen, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, '2023-01-01T00:00:00Z', '2023-01-01T00:00:00Z', ?)",
            [(a, f"http://{s}/{a}.html", s, t, p, b, a) for a, s, p, t, b in rows],
        )
        first = conn.execute("SELECT rowid FROM articles WHERE id = ?", (rows[0][0],)).fetchone()[0]
        bulk_index(conn, [(first + k, t, b) for k, (_a, _s, _p, t, b) in enumerate(rows)])
        conn.execute("COMMIT")
        done = start + len(rows)
        if done - reported >= 5000 or done == n:
            reported = done
            print(f"  {done} articles ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if optimize:
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    conn.close()
    return vocab


def queries(db: Any, vocab: list[str], length: int, count: int, rng: random.Random) -> list[str]:
    """Half real words of this length (across the frequency ranks), half strings cut from random articles
    (as a user pastes a phrase), so that every query matches at least one article."""
    real = set(WORDS)
    words = [w for w in vocab if len(w) == length and w in real]
    step = max(1, len(words) // (count // 2))
    picked = words[::step][: count // 2]
    top = db.execute("SELECT max(rowid) FROM articles").fetchone()[0]
    while len(picked) < count:
        body = db.execute("SELECT body FROM articles WHERE rowid = ?", (rng.randint(1, top),)).fetchone()[0]
        runs = [r for r in re.findall(r"[\u4e00-\u9fff]+", body) if len(r) >= length]
        if runs:
            run = rng.choice(runs)
            start = rng.randint(0, len(run) - length)
            picked.append(run[start : start + length])
    rng.shuffle(picked)
    return picked


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench-search.db"))
    parser.add_argument("--queries", type=int, default=40, help="queries per length")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse the archive at --db if it exists")
    parser.add_argument(
        "--commit-every", type=int, default=5000, help="articles per transaction when building"
    )
    parser.add_argument(
        "--no-optimize", action="store_true", help="leave the FTS5 segments as automerge left them"
    )
    args = parser.parse_args()

    rng = random.Random(args.seed)
    if args.keep and args.db.exists():
        vocab = vocabulary(rng)
        print(f"reusing {args.db}", file=sys.stderr)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
        t0 = time.perf_counter()
        vocab = build(args.db, args.articles, args.seed, args.commit_every, not args.no_optimize)
        print(f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        rng = random.Random(args.seed)
        vocabulary(rng)  # same draws as the build, so the query pick below is reproducible either way

    db = open_db(args.db, readonly=True)
    n = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    size_mb = os.path.getsize(args.db) / 1e6
    print(f"\n{n} articles, archive {size_mb:.0f} MB, search limit 20, {args.repeat} runs per query\n")
    print(
        "| query length | queries | matching articles per query (min-max) | median ms | p95 ms | max ms "
        "| with --site: median ms | p95 ms | CPU: median ms | p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    search(db, "发展")  # warm the connection and the page cache
    for length in (2, 3, 4):
        words = queries(db, vocab, length, args.queries, rng)
        timings: list[float] = []
        cpu: list[float] = []  # CPU time of this process: what contention for the cores does not inflate
        filtered: list[float] = []
        matched = []
        for word in words:
            matched.append(
                db.execute(
                    "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                    [parse_query(word).expression],
                ).fetchone()[0]
            )
            for _ in range(args.repeat):
                t, c = time.perf_counter(), time.process_time()
                search(db, word)
                timings.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                t = time.perf_counter()
                search(db, word, site=SITES[0])  # one site of fifty: 2% of the archive
                filtered.append((time.perf_counter() - t) * 1000)
        print(
            f"| {length} | {len(words)} | {min(matched)}-{max(matched)} | "
            f"{statistics.median(timings):.1f} | {percentile(timings, 95):.1f} | {max(timings):.1f} | "
            f"{statistics.median(filtered):.1f} | {percentile(filtered, 95):.1f} | "
            f"{statistics.median(cpu):.1f} | {percentile(cpu, 95):.1f} |"
        )


if __name__ == "__main__":
    main()
