// Forge & Field: buttons that navigate, and the deals list that loads after the page.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-href]");
  if (button) {
    window.location.assign(button.dataset.href);
  }
});

async function loadDeals(container) {
  const status = container.querySelector("[data-deals-status]");
  const list = container.querySelector("[data-deals-list]");
  const items = container.querySelector("[data-deals-items]");
  const template = container.querySelector("[data-deals-template]");
  try {
    const response = await fetch(container.dataset.dealsSrc, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    const { deals } = await response.json();
    for (const deal of deals) {
      const item = template.content.firstElementChild.cloneNode(true);
      const title = item.querySelector("[data-deal-title]");
      title.textContent = deal.title;
      title.href = `/products/${deal.slug}`;
      item.querySelector("[data-deal-text]").textContent = deal.text;
      items.append(item);
    }
    list.hidden = false;
    status.textContent = `${deals.length} deals this week.`;
  } catch (error) {
    status.textContent = "Deals could not be loaded. Please try again later.";
  }
}

document.querySelectorAll("[data-deals-src]").forEach(loadDeals);
