/* The card-stock page: upload the card issuance list, find a card, list boxes. Text only (never innerHTML).
 * Words come from the page's catalog table (screen.stock_* codes) through Station.t. */
"use strict";

(() => {
  const { t } = Station;
  const en = window.LANG === "en";
  const err = document.getElementById("stock-error");
  const result = document.getElementById("stock-import-result");
  const problems = document.getElementById("stock-problems");
  const card = document.getElementById("stock-card");

  function cell(tr, text) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    tr.append(td);
    return td;
  }

  async function loadBoxes() {
    let boxes;
    try {
      boxes = (await Station.api("GET", "/api/stock/boxes")).data;
    } catch (e) {
      err.textContent = e.message || String(e.status);
      err.hidden = false;
      return;
    }
    const tbody = document.querySelector("#stock-box-table tbody");
    tbody.replaceChildren(...boxes.map((b) => {
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
    result.textContent = t("stock_importing");
    problems.hidden = true;
    let list = [];
    try {
      const { status, data } = await Station.api("POST", url, body);
      list = data.problems || [];
      if (status === 201) {
        result.textContent = t("stock_imported", { n: data.imported, first: data.first_box, last: data.last_box });
      } else if ("already_imported" in data) {
        result.textContent = t("stock_already");
      } else {
        result.textContent = data.ok ? t("stock_rows_ok", { n: data.rows }) : t("stock_problems");
      }
    } catch (e) {
      list = (e.detail && e.detail.problems) || [];
      result.textContent = e.message || String(e.status);
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
    card.hidden = false;
    let c;
    try {
      c = (await Station.api("GET", "/api/stock/cards/" + encodeURIComponent(q))).data;
    } catch (e) {
      card.replaceChildren(document.createTextNode(e.message || String(e.status)));
      return;
    }
    const rows = [
      [t("stock_f_manufacturing"), c.manufacturing_no],
      [t("stock_f_notice"), c.notice_no],
      [t("stock_f_status"), en ? c.status : c.status_ja],
      [t("stock_f_slot"), c.box_label ? `${c.box_label} #${c.position}` : "-"],
      [t("stock_f_kana"), c.name_kana || "-"],
      [t("stock_f_deadline"), c.receipt_deadline || "-"],
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
