"""Screen wording in Japanese and English, and how a request picks its language.

Japanese is the default everywhere; `?lang=en` switches (and is remembered in a cookie so the
switch survives navigation), `?lang=ja` switches back. One table keeps both languages side by side
so a missing translation is visible in review, and the same table is handed to the page scripts.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request, Response

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"
COOKIE = "station_lang"

# key: (日本語, English)
STRINGS: dict[str, tuple[str, str]] = {
    # common
    "lang_switch": ("English", "日本語"),
    "reconnecting": ("再接続中…", "Reconnecting…"),
    "clock_simulated": ("時刻はシミュレーションです", "The clock is simulated"),
    "people": ("人", " waiting"),
    "minutes": ("分", " min"),
    "about_min": ("約{n}分", "about {n} min"),
    "waiting_n": ("{n}人待ち", "{n} waiting"),
    "error": ("エラー", "Error"),
    "not_found_title": ("ページが見つかりません", "Page not found"),
    "back_home": ("トップへ戻る", "Back to the start page"),
    # index
    "index_title": ("画面の一覧", "Screens"),
    "index_counter": ("窓口パネル（{n}番窓口）", "Clerk panel (counter {n})"),
    "index_kiosk": ("発券機（タッチパネル）", "Ticket kiosk (touch screen)"),
    "index_display": ("待合室表示", "Waiting-room display"),
    "index_admin": ("管理", "Administration"),
    "index_sim": ("シミュレーター", "Simulator panel"),
    # clerk panel
    "panel_title": ("窓口パネル", "Clerk panel"),
    "current": ("対応中の番号", "Current visitor"),
    "no_current": ("対応中の方はいません", "Nobody at the counter"),
    "elapsed": ("経過", "Elapsed"),
    "state_waiting": ("お待ち", "Waiting"),
    "state_called": ("呼び出し中", "Called"),
    "state_serving": ("対応中", "Serving"),
    "state_done": ("完了", "Done"),
    "state_no_show": ("不在", "No-show"),
    "state_cancelled": ("取消", "Cancelled"),
    "act_call_next": ("次の方を呼ぶ", "Call next"),
    "act_recall": ("再呼出", "Recall"),
    "act_start": ("対応開始", "Start"),
    "act_finish": ("完了", "Finish"),
    "act_no_show": ("不在", "No-show"),
    "act_transfer": ("転送", "Transfer"),
    "act_pause": ("休止／再開", "Pause / resume"),
    "shortcuts": ("キーボード操作", "Keyboard shortcuts"),
    "waiting_by_category": ("受付区分ごとのお待ち", "Waiting by category"),
    "col_category": ("区分", "Category"),
    "col_waiting": ("待ち人数", "Waiting"),
    "col_oldest": ("最長待ち", "Longest wait"),
    "col_estimate": ("目安", "Estimate"),
    "serves": ("この窓口で対応", "served here"),
    "counter_state": ("窓口の状態", "Counter state"),
    "counter_open": ("受付中", "Open"),
    "counter_paused": ("休止中", "Paused"),
    "counter_closed": ("閉鎖中", "Closed"),
    "handled_today": ("本日の対応件数", "Handled today"),
    "devices": ("機器の状態", "Devices"),
    "dev_printer": ("プリンタ", "Printer"),
    "dev_card_reader": ("カードリーダー", "Card reader"),
    "dev_scanner": ("バーコードリーダー", "Scanner"),
    "dev_button": ("発券ボタン", "Ticket button"),
    "dev_clock": ("時計", "Clock"),  # shown only when the clock check (station.ops.clock) finds it off
    "health_ok": ("正常", "OK"),
    "health_degraded": ("注意", "Attention"),
    "health_down": ("停止", "Down"),
    "health_unknown": ("不明", "Unknown"),
    "card": ("カード確認", "Card check"),
    "card_none": ("カードを読み取ると結果が表示されます", "Insert a card to see the result"),
    "card_inserted": ("カードを読み取っています…", "Reading the card…"),
    "card_removed": ("カードが取り出されました", "Card removed"),
    "card_ok": ("マイナンバーカード", "My Number Card"),
    "card_not_mnc": ("マイナンバーカードではありません", "Not a My Number Card"),
    "scan": ("スキャンした番号札", "Scanned ticket"),
    "scan_none": ("番号札のバーコードを読み取ると表示されます", "Scan a ticket's barcode to open it"),
    "issued_at": ("発券", "Issued"),
    "nobody_waiting": ("お待ちの方はいません", "Nobody is waiting"),
    "transfer_title": ("転送先を選んでください", "Transfer to"),
    "transfer_category": ("受付区分", "Category"),
    "transfer_counter": ("窓口", "Counter"),
    "transfer_any": ("指定しない", "Any"),
    "transfer_ok": ("転送する", "Transfer"),
    "cancel": ("やめる", "Cancel"),
    "no_ticket_for_action": ("対応中の番号がありません", "No current ticket"),
    "done_msg": ("{n} の操作: {a}", "{n}: {a}"),
    # kiosk
    "kiosk_title": ("発券機", "Ticket kiosk"),
    "kiosk_prompt": ("ご用件を選んで、ボタンを押してください", "Choose what you came for and touch the button"),
    "kiosk_issued": ("発券しました", "Your ticket is printing"),
    "kiosk_your_number": ("あなたの受付番号", "Your number"),
    "kiosk_take_ticket": ("番号札をお取りください。番号が呼ばれるまでお待ちください",
                          "Please take your ticket and wait until your number is called"),
    "kiosk_note_number": ("番号をお控えください", "Please note your number"),
    "kiosk_printer_fault": ("番号札を印刷できませんでした。この番号で受付できます。職員にお声がけください",
                            "The ticket could not be printed. This number is still valid; please tell staff"),
    "kiosk_ahead": ("前に{n}人お待ちです（目安 約{m}分）", "{n} ahead of you (about {m} min)"),
    "kiosk_back": ("最初の画面にもどる", "Back to the start"),
    "kiosk_closed": ("ただいま受付時間外です", "Reception is closed now"),
    "kiosk_busy": ("発券しています…", "Issuing…"),
    "kiosk_paused_cat": ("受付を終了しました", "Closed"),
    # display
    "display_title": ("呼び出し", "Now calling"),
    "display_calls": ("お呼び出し中の番号", "Now calling"),
    "display_waiting": ("お待ちの人数", "Waiting"),
    "display_to_counter": ("番窓口へ", ""),
    "display_counter_en": ("", "Counter"),
    "display_none": ("お呼び出しはまだありません", "No calls yet"),
    "display_enable_sound": ("音声を有効にする", "Enable sound"),
    "display_utter": ("受付番号 {spoken} 番の方、{counter}番窓口へお越しください",
                      "Number {spoken}, please come to counter {counter}"),
    "display_recall": ("再呼出", "Recall"),
    # status page
    "status_title": ("受付番号の状況", "Your ticket"),
    "status_number": ("受付番号", "Your number"),
    "status_ahead": ("前にお待ちの方", "People ahead of you"),
    "status_estimate": ("待ち時間の目安", "Estimated wait"),
    "status_called": ("呼び出されました", "You are being called"),
    "status_go": ("{n}番窓口へお越しください", "Please go to counter {n}"),
    "status_serving": ("対応中です", "Being served"),
    "status_done": ("ご来庁ありがとうございました", "Thank you for visiting"),
    "status_no_show": ("呼び出しにいらっしゃらなかったため、受付を終了しました。職員にお声がけください",
                       "You were called but did not come; please ask staff"),
    "status_cancelled": ("この番号札は取り消されました", "This ticket was cancelled"),
    "status_auto": ("この画面は自動で更新されます", "This page updates by itself"),
    "status_updated": ("更新", "Updated"),
    "status_not_found": ("この番号札は見つかりません", "This ticket was not found"),
    "status_not_found_hint": ("番号札のQRコードをもう一度読み取るか、職員にお声がけください",
                              "Scan the QR code on your ticket again, or ask staff"),
    # admin
    "admin_title": ("管理", "Administration"),
    "admin_queue": ("本日の受付一覧", "Today's queue"),
    "admin_categories": ("受付区分", "Categories"),
    "admin_counters": ("窓口", "Counters"),
    "admin_calendar": ("カレンダー", "Calendar"),
    "admin_devices": ("機器", "Devices"),
    "col_number": ("番号", "Number"),
    "col_state": ("状態", "State"),
    "col_counter": ("窓口", "Counter"),
    "col_printed": ("印刷", "Printed"),
    "col_actions": ("操作", "Actions"),
    "col_code": ("コード", "Code"),
    "col_prefix": ("番号の頭文字", "Prefix"),
    "col_name": ("名前", "Name"),
    "col_description": ("説明", "Description"),
    "col_cutoff": ("締切（閉庁前・分）", "Cut-off (min before close)"),
    "col_service": ("標準対応時間（分）", "Default service (min)"),
    "col_categories": ("対応区分", "Categories"),
    "col_connection": ("接続", "Connection"),
    "col_health": ("状態", "Health"),
    "col_reason": ("理由", "Reason"),
    "act_cancel": ("取消", "Cancel"),
    "act_reprint": ("再印刷", "Reprint"),
    "act_resume": ("再開", "Resume"),
    "act_pause_only": ("休止", "Pause"),
    "act_close": ("閉鎖", "Close"),
    "confirm_cancel": ("{n} を取り消しますか？", "Cancel {n}?"),
    "hours_normal": ("通常の開庁日", "Normal days"),
    "hours_long": ("第1・第3木曜日", "1st and 3rd Thursday"),
    "hours_holiday": ("休日開庁日", "Holiday openings"),
    "default_cutoff": ("発券締切（閉庁前・分）", "Ticket cut-off (minutes before closing)"),
    "config_in_file": ("区分の追加・名称・番号の頭文字、窓口の追加、開庁時間、機器の接続は設定ファイルで変更します"
                       "（station config check で検査し、再起動で反映）",
                       "Adding categories or counters, names, prefixes, opening hours and device connections are "
                       "changed in the config file (check it with `station config check`, then restart)"),
    "save": ("保存", "Save"),
    "saved": ("保存しました", "Saved"),
    "undo_change": ("元に戻す", "Undo"),
    "confirm_undo_day": ("{d} の変更を取り消して設定ファイルの内容に戻しますか？",
                         "Undo the change on {d} and go back to the config file?"),
    "day_date": ("日付", "Date"),
    "day_kind": ("種類", "Kind"),
    "day_hours": ("受付時間", "Hours"),
    "day_source": ("設定元", "Set in"),
    "day_note": ("メモ", "Note"),
    "kind_closed": ("閉庁日", "Closed"),
    "kind_holiday_opening": ("休日開庁日", "Holiday opening"),
    "kind_normal": ("通常開庁", "Normal day"),
    "source_file": ("設定ファイル", "config file"),
    "source_admin": ("管理画面", "this screen"),
    "day_date_missing": ("日付を入力してください", "enter a date"),
    "file_says": ("設定ファイル: {v}", "config file: {v}"),
    "changed_from_file": ("設定ファイルから変更", "changed from the file"),
    "cutoff_blank_hint": ("締切を空欄にすると全体の既定値（カレンダーの「発券締切」）になります。"
                          "変更はすぐに発券機とすべての窓口に反映されます。",
                          "Leave the cut-off empty for the office default. Changes reach the dispenser and every "
                          "counter at once."),
    "pick_one_category": ("受付区分を1つ以上選んでください", "choose at least one category"),
    "reprinted": ("再印刷しました", "Reprinted"),
    "reprint_failed": ("再印刷できませんでした", "Reprint failed"),
    "none": ("なし", "none"),
    # simulator
    "sim_title": ("シミュレーター", "Simulator"),
    "sim_buttons": ("発券ボタン", "Ticket buttons"),
    "sim_press": ("{c} を押す", "Press {c}"),
    "sim_printer": ("プリンタ", "Printer"),
    "sim_printer_state": ("プリンタの状態を変える", "Set printer state"),
    "sim_jobs": ("印刷された番号札", "Printed receipts"),
    "sim_no_jobs": ("まだ印刷されていません", "Nothing printed yet"),
    "sim_card": ("カードリーダー", "Card reader"),
    "sim_card_insert": ("カードを挿す", "Insert card"),
    "sim_card_remove": ("カードを抜く", "Remove card"),
    "sim_card_profile": ("カードの種類", "Card profile"),
    "sim_card_state_in": ("挿入中: {p}", "Inserted: {p}"),
    "sim_card_state_out": ("カードは挿さっていません", "No card inserted"),
    "sim_scanner": ("バーコードリーダー", "Barcode scanner"),
    "sim_scan_text": ("読み取る文字列", "Text to scan"),
    "sim_scan": ("読み取る", "Scan"),
    "sim_noise": ("ノイズを混ぜる", "Add noise"),
    "sim_tickets": ("本日の番号札", "Today's tickets"),
    "sim_status_link": ("状況ページ", "Status page"),
    "sim_scan_ticket": ("この番号札を読み取る", "Scan this ticket"),
    "sim_screens": ("画面を開く", "Open a screen"),
    "sim_not_ready": ("シミュレーターの機能はまだ使えません", "The simulator API is not available yet"),
    "printer_online": ("正常", "Online"),
    "printer_offline": ("オフライン", "Offline"),
    "printer_paper_out": ("用紙切れ", "Paper out"),
    "printer_cover_open": ("カバーが開いている", "Cover open"),
    "printer_near_end": ("用紙残りわずか", "Paper near end"),
}


def lang_of(request: Request) -> str:
    """The language the visitor asked for: the query wins over the remembered cookie."""
    q = request.query_params.get("lang")
    if q in LANGS:
        return q
    c = request.cookies.get(COOKIE)
    return c if c in LANGS else DEFAULT_LANG


def remember(request: Request, response: Response) -> None:
    """Keep an explicit ?lang= choice for the next pages (a year; it is not personal data)."""
    q = request.query_params.get("lang")
    if q in LANGS:
        response.set_cookie(COOKIE, q, max_age=365 * 24 * 3600, samesite="lax")


def table(lang: str) -> dict[str, str]:
    i = 1 if lang == "en" else 0
    return {k: v[i] for k, v in STRINGS.items()}


def other(lang: str) -> str:
    return "ja" if lang == "en" else "en"


def fmt(strings: Mapping[str, str], key: str, **kw: object) -> str:
    return strings[key].format(**kw)
