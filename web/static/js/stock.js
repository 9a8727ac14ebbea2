/* The card-stock page: upload the カード発行一覧, find a card, list boxes. Text only (never innerHTML). */
"use strict";

(() => {
  const en = window.LANG === "en";
  const err = document.getElementById("stock-error");
  const result = document.getElementById("stock-import-result");
  const problems = document.getElementById("stock-problems");
  const card = document.getElementById("stock-card");

  function msg(d, fallback) {
    return (d && (en ? d.message_en : d.message_ja)) || String(fallback);
  }
  function cell(tr, text) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    tr.append(td);
    return td;
  }
  async function detail(res) {
    try { return (await res.json()).detail; } catch (e) { return null; }
  }

  async function loadBoxes() {
    const res = await window.apiFetch("/api/stock/boxes", { cache: "no-store" });
    if (!res.ok) { err.textContent = msg(await detail(res), res.status); err.hidden = false; return; }
    const tbody = document.querySelector("#stock-box-table tbody");
    tbody.replaceChildren(...(await res.json()).map((b) => {
      const tr = document.createElement("tr");
      cell(tr, b.label);
      cell(tr, b.first_manufacturing_no + " – " + b.last_manufacturing_no);
      cell(tr, b.count);
      cell(tr, b.delivery_lot);
      const a = document.createElement("a");
      a.href = "/api/stock/boxes/" + b.box + "/label.png";
      a.textContent = "PNG";
      a.target = "_blank";
      cell(tr, "").append(a);
      return tr;
    }));
  }

  document.getElementById("stock-import").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const body = new FormData();
    body.append("file", form.elements.file.files[0]);
    const url = "/api/stock/import" + (form.elements.check.checked ? "?check=true" : "");
    result.textContent = en ? "Importing…" : "取込中…";
    problems.hidden = true;
    const res = await window.apiFetch(url, { method: "POST", body });
    const data = res.ok ? await res.json() : null;
    const d = res.ok ? null : await detail(res);
    const list = (data && data.problems) || (d && d.problems) || [];
    if (res.status === 201) {
      result.textContent = en ? `Imported ${data.imported} cards (boxes ${data.first_box}–${data.last_box}).`
        : `${data.imported}枚を取り込みました（保管箱 ${data.first_box}〜${data.last_box}）。`;
    } else if (res.ok && "already_imported" in data) {
      result.textContent = en ? "This file was imported before: nothing changed." : "取込済みのファイルです。何も変更していません。";
    } else if (res.ok) {
      result.textContent = data.ok ? (en ? `${data.rows} rows, no problems.` : `${data.rows}行、誤りはありません。`)
        : (en ? "Problems found:" : "誤りがあります:");
    } else {
      result.textContent = msg(d, res.status);
    }
    problems.querySelector("tbody").replaceChildren(...list.map((p) => {
      const tr = document.createElement("tr");
      cell(tr, p.line);
      cell(tr, p.column);
      cell(tr, en ? p.reason_en : p.reason_ja);
      return tr;
    }));
    problems.hidden = list.length === 0;
    loadBoxes();
  });

  document.getElementById("stock-find").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = ev.target.elements.q.value.trim();
    const res = await window.apiFetch("/api/stock/cards/" + encodeURIComponent(q), { cache: "no-store" });
    card.hidden = false;
    if (!res.ok) { card.replaceChildren(document.createTextNode(msg(await detail(res), res.status))); return; }
    const c = await res.json();
    const rows = [
      [en ? "Manufacturing no." : "製造管理番号", c.manufacturing_no],
      [en ? "Notice no." : "交付通知書番号", c.notice_no],
      [en ? "Status" : "状態", en ? c.status : c.status_ja],
      [en ? "Slot" : "保管場所", c.box_label ? `${c.box_label} #${c.position}` : "-"],
      [en ? "Name (kana)" : "氏名（カナ）", c.name_kana || "-"],
      [en ? "Receipt deadline" : "受取期限", c.receipt_deadline || "-"],
    ];
    card.replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }));
  });

  loadBoxes();
})();
