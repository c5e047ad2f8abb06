/*
 * The demo shop page's own behaviour (options, quantity, the Korean/English switch).
 * A file, not an inline <script>: the page's Content-Security-Policy runs no inline script.
 */
(function () {
  "use strict";
  const TEXT = {
    en: {
      title: "Airlite Goose Down Short Puffer | Hangyeol Outdoor",
      topbar: "Free shipping over ₩50,000 · Order by 2 pm, ships today",
      navLabel: "Categories", navNew: "New in", navOuter: "Outerwear", navTop: "Tops", navSale: "Sale",
      crumbs: "Home › Outerwear › Puffers", imageLabel: "Airlite goose down short puffer, front",
      brand: "Hangyeol Outdoor", name: "Airlite Goose Down Short Puffer Jacket", reviews: "1,284 reviews",
      price: "₩189,000", oldPrice: "₩259,000",
      perk1: "Goose down 90:10 · 700 fill power", perk2: "Free shipping · ships today (order by 2 pm)",
      perk3: "Free returns within 7 days of delivery",
      colour: "Colour", black: "Black", ivory: "Ivory", navy: "Navy", size: "Size", quantity: "Quantity",
      less: "Decrease quantity", more: "Increase quantity", cart: "Add to cart", buy: "Buy now",
      added: "Added to your cart.", demo: "This is a demo: nothing is ordered.",
      infoTitle: "Product details",
      infoText: "A light short puffer filled with 90% goose down. The water-repellent shell keeps out snow and light rain, and elastic cuffs keep out the wind. Weight: 480 g in size M.",
      sizeTitle: "Size guide (cm)", chest: "Chest", length: "Length", sleeve: "Sleeve",
      reviewTitle: "Reviews",
      review1: "Much lighter and warmer than I expected. My usual M fits perfectly.",
      review2: "The ivory looks exactly like the photos. Delivered the next day.",
      footer: "Hangyeol Outdoor Co., Ltd. · CEO Gildong Hong · Business reg. 000-00-00000 · Help desk 1588-0000 (weekdays 10:00–18:00)",
      footerNote: "This is a demo page; nothing can be ordered. Chat with Eva using the button at the bottom right.",
      switchTo: "한국어", switchLang: "ko",
    },
    ko: { title: document.title, switchTo: "English", switchLang: "en",
      added: "장바구니에 담았습니다.", demo: "데모 페이지라 실제 주문은 되지 않습니다." },
  };
  // The Korean texts are the page as written: remember them before the first switch.
  for (const node of document.querySelectorAll("[data-i18n]")) TEXT.ko[node.dataset.i18n] = node.textContent;
  for (const node of document.querySelectorAll("[data-i18n-aria]")) TEXT.ko[node.dataset.i18nAria] = node.getAttribute("aria-label");

  let lang = "ko";
  const $ = (id) => document.getElementById(id);

  function setLanguage(next) {
    lang = next;
    const t = TEXT[lang];
    document.documentElement.lang = lang;
    document.title = t.title;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t[node.dataset.i18n];
    for (const node of document.querySelectorAll("[data-i18n-aria]")) node.setAttribute("aria-label", t[node.dataset.i18nAria]);
    const sw = $("lang-switch");
    sw.textContent = t.switchTo;
    sw.lang = t.switchLang;
    $("toast").textContent = "";
    // The widget listens for this and switches its own texts.
    document.dispatchEvent(new CustomEvent("eva-language", { detail: lang }));
  }
  $("lang-switch").addEventListener("click", () => setLanguage(lang === "ko" ? "en" : "ko"));

  function pickOne(groupId, onPick) {
    const group = $(groupId);
    group.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      for (const b of group.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
      if (onPick) onPick(button);
    });
  }
  pickOne("swatches", (b) => document.querySelector(".main-image").style.setProperty("--jacket", b.dataset.color));
  pickOne("sizes");

  let qty = 1;
  const showQty = () => { $("qty").textContent = String(qty); };
  $("minus").addEventListener("click", () => { qty = Math.max(1, qty - 1); showQty(); });
  $("plus").addEventListener("click", () => { qty = Math.min(9, qty + 1); showQty(); });
  $("cart").addEventListener("click", () => { $("toast").textContent = TEXT[lang].added; });
  $("buy").addEventListener("click", () => { $("toast").textContent = TEXT[lang].demo; });
})();
