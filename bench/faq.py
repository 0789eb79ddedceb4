"""FAQ search benchmark: 10 000 generated entries, then 1 000 searches drawn from realistic inflected
Russian and English queries (some with a slip); prints p50 / p95 / max latency of `search()`.

    .venv/bin/python bench/faq.py                                  # a scratch SQLite file
    .venv/bin/python bench/faq.py --database-url postgresql://postgres@127.0.0.1:5432/hl_faq_bench

The target database is wiped and rebuilt (create_all) — point it at a scratch database."""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

CITIES = ["Амневиль", "Луисвилл", "Оксфорд", "Циндао", "Дуйсбург", "Агридженто"]
CITIES_PREP = ["Амневиле", "Луисвилле", "Оксфорде", "Циндао", "Дуйсбурге", "Агридженто"]
SUBJECTS = [
    "молодёжный обмен", "стажировка студентов", "деловая миссия", "программа «Кадры под ключ»",
    "бюллетень «Побратимы»", "ежегодная презентация международных проектов", "фестиваль «Роклайн + Евророк»",
    "проект Crossroutes", "общественная приёмная Главы города", "экстрим-парк", "аккредитация журналистов",
    "архивные документы", "выставка подарков делегаций", "инклюзивный фестиваль", "языковые курсы",
    "культурный обмен", "конференция по городскому хозяйству", "школьная поездка", "волонтёрская программа",
    "спортивные соревнования", "медицинская стажировка", "обмен преподавателями", "летний лагерь",
    "гранты на совместные проекты", "визовая поддержка",
]
ACTIONS = [
    "Как принять участие:", "Когда начинается приём заявок:", "Какие документы нужны:", "Кто может участвовать:",
    "Сколько стоит участие:", "Где узнать подробности:", "Как связаться с координатором:", "Какие сроки:",
]
ANSWER_BITS = [
    "Заявки принимает отдел международных связей по электронной почте и по телефону горячей линии.",
    "Участникам из Перми помогают с приглашениями и визовой поддержкой.",
    "Расписание публикуется на сайте города в разделе международных проектов.",
    "Координатор свяжется с вами в течение пяти рабочих дней после получения заявки.",
    "Отбор проводит конкурсная комиссия с участием представителей городов-побратимов.",
    "Расходы на проезд участники оплачивают сами, проживание обеспечивает принимающая сторона.",
    "Подробности можно узнать в информационных центрах городов-побратимов.",
    "Итоги подводятся на ежегодной презентации международных проектов в декабре.",
]
EN_SUBJECTS = ["youth exchange", "internship", "business mission", "sister cities bulletin", "annual presentation",
               "language course", "summer camp", "volunteer programme", "joint project grant", "visa support"]
RU_QUERIES = [
    "молодёжных обменах с {prep}", "стажировки студентов в {prep}", "деловой миссией в {city}",
    "кадров под ключ документы", "бюллетеня побратимы подписка", "презентации международных проектов сроки",
    "фестивалях роклайн евророк", "crossroutes заявки", "приёмной главы города запись", "экстрим-парке соревнования",
    "аккредитацией журналистов", "архивных документах побратимов", "выставке подарков делегаций",
    "языковых курсах в {prep}", "культурных обменах с {prep}", "школьной поездкой в {city}",
    "волонтёрских программах", "грантами на совместные проекты", "визовой поддержке участников",
    "медицинских стажировках в {prep}", "летних лагерях для школьников", "координатора по {city} телефон",
    "сколько стоит участие в обмене", "когда начинается приём заявок на стажировки",
    # one slip each
    "стажеровка в {prep}", "бюлетень побратимы", "молодежных обменнах", "презентацыя проектов",
]
EN_QUERIES = ["youth exchanges", "internships in {city_en}", "business missions", "bulletin subscriptions",
              "annual presentations", "summer camps", "volunteer programmes", "visa supports", "exchnage youth"]
CITIES_EN = ["Amneville", "Louisville", "Oxford", "Qingdao", "Duisburg", "Agrigento"]


def generate(rng: random.Random, count: int, topic_ids: list[int], city_ids: list[int]):
    from hotline.models import FaqEntry, FaqStatus, FaqWording

    for i in range(count):
        english = rng.random() < 0.1
        status = rng.choices([FaqStatus.PUBLISHED, FaqStatus.DRAFT, FaqStatus.RETIRED], weights=[85, 10, 5])[0]
        city_index = rng.randrange(len(CITIES))
        if english:
            subject = rng.choice(EN_SUBJECTS)
            question = f"How do I apply for the {subject} with {CITIES_EN[city_index]}? (#{i})"
            answer = (f"The {subject} is run by the international relations department together with "
                      f"{CITIES_EN[city_index]}. Applications are accepted by e-mail and by the hotline.")
            wordings = [f"{subject} {CITIES_EN[city_index].lower()}"]
        else:
            subject = rng.choice(SUBJECTS)
            question = f"{rng.choice(ACTIONS)} {subject}, {CITIES[city_index]} (№ {i})"
            answer = " ".join(rng.sample(ANSWER_BITS, 3)) + f" Программа связана с городом {CITIES[city_index]}."
            wordings = [f"{subject} в {CITIES_PREP[city_index]}"] if rng.random() < 0.5 else []
        entry = FaqEntry(question=question, answer=answer, topic_id=rng.choice(topic_ids),
                         city_id=city_ids[city_index], language="en" if english else "ru", status=status)
        entry.wordings = [FaqWording(text=w) for w in wordings]
        yield entry


def queries(rng: random.Random, count: int) -> list[str]:
    result = []
    for _ in range(count):
        i = rng.randrange(len(CITIES))
        if rng.random() < 0.12:
            template = rng.choice(EN_QUERIES)
        else:
            template = rng.choice(RU_QUERIES)
        result.append(template.format(city=CITIES[i], prep=CITIES_PREP[i], city_en=CITIES_EN[i]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a scratch SQLite file")
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=1_000)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="faq-bench-")
    url = args.database_url or f"sqlite:///{scratch}/bench.db"

    from sqlalchemy import select

    from config import TestingConfig
    from hotline import create_app
    from hotline.extensions import db

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        REDIS_URL = "redis://127.0.0.1:1/0"  # never used: the benchmark touches no queue
        TESTING = False

    app = create_app(BenchConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
        from hotline.faq.search import search
        from hotline.models import SisterCity, Topic
        from hotline.seed.reference import seed_reference

        seed_reference()
        db.session.commit()
        topic_ids = list(db.session.execute(select(Topic.id)).scalars())
        city_ids = [db.session.execute(select(SisterCity.id).where(SisterCity.code == code)).scalar_one()
                    for code in ("amneville", "louisville", "oxford", "qingdao", "duisburg", "agrigento")]
        rng = random.Random(4)
        started = time.perf_counter()
        batch = []
        for entry in generate(rng, args.entries, topic_ids, city_ids):
            batch.append(entry)
            if len(batch) == 500:
                db.session.add_all(batch)
                db.session.commit()
                batch = []
        db.session.add_all(batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"{db.engine.dialect.name}: indexed {args.entries} entries in {time.perf_counter() - started:.1f} s")

        sample = queries(rng, args.searches)
        for query in sample[:50]:  # warm caches (the lemmatiser, the connection pool)
            search(query, limit=5)
        db.session.rollback()
        timings, empty = [], 0
        for query in sample:
            t0 = time.perf_counter()
            hits = search(query, topic_id=rng.choice(topic_ids) if rng.random() < 0.5 else None, limit=5)
            timings.append((time.perf_counter() - t0) * 1000)
            empty += not hits
            db.session.rollback()  # each search in its own transaction, as each request would be
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{args.searches} searches over {args.entries} entries: p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
              f"max {timings[-1]:.2f} ms; {empty} found nothing")
        print("target p95 <= 15 ms:", "met" if p95 <= 15 else "NOT met")
        db.session.remove()
        if args.database_url is None:
            db.engine.dispose()


if __name__ == "__main__":
    main()
