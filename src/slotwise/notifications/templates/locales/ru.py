"""Russian (formal "вы")."""
# ruff: noqa: RUF001 - Cyrillic letters that look like Latin ones are meant here.

from __future__ import annotations

from slotwise.notifications.templates.context import MessageType as T
from slotwise.notifications.templates.locales.base import Catalog, NoticeWords, Phrases


def _plural(n: int, one: str, few: str, many: str) -> str:
    """Russian has three count forms: 1, 21 → one; 2-4, 22-24 → few; 5-20, 25 → many."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {one}"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} {few}"
    return f"{n} {many}"


# Durations follow "через", so they take the accusative: "через 1 минуту".
CATALOG = Catalog(
    weekdays=("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
    months=(
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
    datetime_pattern="{weekday}, {day} {month} {year}, {time}",
    days=lambda n: _plural(n, "день", "дня", "дней"),
    hours=lambda n: _plural(n, "час", "часа", "часов"),
    minutes=lambda n: _plural(n, "минуту", "минуты", "минут"),
    greeting="Здравствуйте, {name}!",
    greeting_anonymous="Здравствуйте!",
    when="Когда",
    new_time="Новое время",
    previous_time="Было",
    service="Услуга",
    services="Услуги",
    specialist="Специалист",
    specialists="Специалисты",
    location="Место",
    address="Адрес",
    client="Клиент",
    note="Примечание",
    open_link="Открыть запись",
    manage_link="Посмотреть, перенести или отменить",
    footer="Это автоматическое сообщение от {firm}.",
    messages={
        T.CONFIRMATION: Phrases(
            "Запись подтверждена: {when}", "Ваша запись в {firm} подтверждена."
        ),
        T.CHANGE: Phrases("Запись перенесена: {when}", "Ваша запись в {firm} перенесена."),
        T.CANCELLATION: Phrases("Запись отменена: {when}", "Ваша запись в {firm} отменена."),
        T.REMINDER: Phrases(
            "Напоминание: ваша запись через {lead}",
            "Напоминаем: ваша запись в {firm} начнётся через {lead}.",
        ),
        T.WORKER_ASSIGNED: Phrases("Новая запись: {when}", "Вас назначили на запись."),
        T.WORKER_REMOVED: Phrases(
            "Вы сняты с записи: {when}", "Вы больше не назначены на эту запись."
        ),
        T.VERIFICATION_CODE: Phrases(
            "Ваш код для записи: {code}",
            "Ваш код для записи в {firm}: {code}. Введите его на странице записи, чтобы"
            " подтвердить запись; код действует {lead}.",
        ),
        T.CONNECTION_FAILING: Phrases(
            "Сбой подключения: {connection}",
            "Slotwise больше не может синхронизироваться с «{connection}» ({kind}). Пока это не"
            " исправлено, оттуда ничего не загружается и туда ничего не записывается.",
        ),
        T.SYNC_CONFLICT: Phrases(
            "Конфликт синхронизации: {connection}, {when}",
            "Запись в «{connection}» ({kind}) пересекается с записью в Slotwise. Двойного"
            " бронирования нет: запись не импортирована, а запись в Slotwise осталась как"
            " была.",
        ),
    },
    notices=NoticeWords(
        kinds={"yclients": "YClients", "caldav": "календарь CalDAV"},
        connection="Подключение",
        kind="Тип",
        reason="Причина",
        details="Подробности",
        failing_since="Не работает с",
        what_to_do="Что сделать",
        credentials_refused="Другая система отклонила учётные данные, с которыми входит"
        " Slotwise: они неверны, истекли или отозваны либо у них нет нужных прав.",
        unusable_answers="Ответы другой системы не удалось использовать.",
        check_credentials="Проверьте учётные данные в настройках подключений Slotwise и"
        " сохраните их заново. Затем синхронизация продолжится сама и подхватит всё, что"
        " изменилось за это время.",
        external_record="Запись в {kind}",
        record_id="Номер записи",
        in_slotwise="Запись в Slotwise",
        how_it_resolves="Как это решится",
        conflict_resolves="Перенесите или отмените одну из двух записей — в {kind} или в"
        " Slotwise. Следующая синхронизация импортирует запись, как только она перестанет"
        " пересекаться, и конфликт закроется сам.",
        open_connection="Открыть подключение",
        open_conflicts="Показать конфликты",
        footer="Автоматическое сообщение Slotwise для владельцев и руководителей {firm}.",
    ),
)
