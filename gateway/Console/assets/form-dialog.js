// What every form dialog of the console does alike: fields checked as they are typed (each parser
// answers { value } or { error }), one error line, and a submit that disables its button while the
// grid is asked, closes the dialog on success and shows the grid's error in the form otherwise.

const $ = (id) => document.getElementById(id);

export class FormDialog {
  /**
   * @param {string} prefix the ids: `${prefix}` the dialog, `${prefix}-form`, `${prefix}-error`, `${prefix}-submit`, `${prefix}-cancel`
   * @param {Record<string, [HTMLInputElement, (text: string) => {value?: any, error?: string}]>} fields
   * @param {(values: object) => Promise<boolean|void>} onSubmit called with the parsed fields; false keeps the
   *   dialog open (it showed why with fail()); what it throws is shown
   * @param {string} verb for the error line: "Not saved (400): …"
   * @param {{error?: string, cancel?: string}} ids where a dialog's error line or cancel button has another id
   */
  constructor(prefix, fields, onSubmit, verb, ids = {}) {
    this.dialog = $(prefix);
    this.form = $(`${prefix}-form`);
    this.errorLine = $(ids.error ?? `${prefix}-error`);
    this.button = $(`${prefix}-submit`);
    this.fields = fields;
    this.onSubmit = onSubmit;
    this.verb = verb;
    $(ids.cancel ?? `${prefix}-cancel`).addEventListener('click', () => this.dialog.close());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    for (const [input, parse] of Object.values(fields)) {
      input.addEventListener('input', () => this.error(check(input, parse).error ?? null));
    }
  }

  open() {
    this.error(null);
    for (const [input] of Object.values(this.fields)) input.removeAttribute('aria-invalid');
    if (!this.dialog.open) this.dialog.showModal();
  }

  error(message) {
    this.errorLine.textContent = message ?? '';
    this.errorLine.hidden = !message;
  }

  /** Shows what is wrong; null, for `return this.fail(…)` where a value is expected. */
  fail(message) {
    this.error(message);
    return null;
  }

  /** Every field parsed, or null after showing the first that is wrong. */
  values() {
    const values = {};
    for (const [name, [input, parse]] of Object.entries(this.fields)) {
      const parsed = check(input, parse);
      if (parsed.error) return this.fail(parsed.error);
      values[name] = parsed.value;
    }
    return values;
  }

  async submit() {
    const values = this.values();
    if (!values) return;
    this.button.disabled = true;
    try {
      if ((await this.onSubmit(values)) === false) return;
      this.dialog.close();
      this.form.reset();
    } catch (error) {
      this.error(`Not ${this.verb} (${error.status || 'network'}): ${error.message}`);
    } finally {
      this.button.disabled = false;
    }
  }
}

function check(input, parse) {
  const parsed = parse(input.value);
  input.setAttribute('aria-invalid', String(Boolean(parsed.error)));
  return parsed;
}
