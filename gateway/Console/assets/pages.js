// A cursor-paged list that grows with "More": the first page on reset, the next one per click, and a
// re-read of what is shown on refresh (one request from the top, so rows that changed status are
// current). Only the latest request's answer is applied: a reply to an older one (the filter changed
// while it was on its way) is dropped, so the list never mixes two queries.

const MAX_LIMIT = 1000;
const MAX_ROUNDS = 5;

export class CursorList {
  /**
   * @param {object} options
   * @param {(cursor: string|null, limit: number) => Promise<{items: object[], nextCursor: string|null}>} options.fetchPage
   * @param {HTMLButtonElement} options.more the "More" button; hidden while there is no next page
   * @param {(items: object[]) => void} options.render
   * @param {() => number} options.pageSize
   * @param {(error: Error) => void} options.onError
   */
  constructor({ fetchPage, more, render, pageSize, onError }) {
    this.fetchPage = fetchPage;
    this.button = more;
    this.render = render;
    this.pageSize = pageSize;
    this.onError = onError;
    this.items = [];
    this.nextCursor = null;
    this.generation = 0;
    this.button.hidden = true;
    this.button.addEventListener('click', () => this.more());
  }

  reset() {
    this.items = [];
    this.nextCursor = null;
    return this.read(null, this.pageSize(), false);
  }

  more() {
    return this.nextCursor ? this.read(this.nextCursor, this.pageSize(), true) : Promise.resolve();
  }

  refresh() {
    return this.read(null, Math.min(MAX_LIMIT, Math.max(this.items.length, this.pageSize())), false);
  }

  /**
   * A page, topped up from the following ones while it is short: a dynamic group's page is cut where
   * the grid stopped scanning, so it can be short, even empty, and still have a next one. Bounded, so a
   * rare match in a large registry still answers soon, with "More" for the rest.
   */
  async fill(cursor, limit) {
    const items = [];
    let next = cursor;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const page = await this.fetchPage(next, limit - items.length);
      items.push(...page.items);
      next = page.nextCursor ?? null;
      if (!next || items.length >= limit) break;
    }
    return { items, nextCursor: next };
  }

  async read(cursor, limit, append) {
    const generation = ++this.generation;
    this.button.disabled = true;
    try {
      const { items, nextCursor } = await this.fill(cursor, limit);
      if (generation !== this.generation) return;
      this.items = append ? [...this.items, ...items] : items;
      this.nextCursor = nextCursor;
      this.render(this.items);
    } catch (error) {
      if (generation === this.generation) this.onError(error);
    } finally {
      if (generation === this.generation) {
        this.button.disabled = false;
        this.button.hidden = !this.nextCursor;
      }
    }
  }
}
