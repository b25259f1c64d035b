// The interrupts a thread waits on: each one's payload and a box for the answer. One answer
// resumes with Command(resume=answer); several go as {interrupt_id: answer}, all at once.
import { useState } from "preact/hooks";
import type { Json } from "./api";
import { JsonView } from "./ui";

/** An answer as typed: JSON when it parses (true, 3, {"a": 1}), else the text itself. */
export function parseAnswer(text: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function Interrupts(props: { interrupts: Json[]; busy: boolean; onResume: (resume: Json) => void }) {
  const [answers, setAnswers] = useState<Record<string, string>>({});
  if (props.interrupts.length === 0) return null;
  const several = props.interrupts.length > 1;
  const keyOf = (item: Json, i: number): string => item?.id ?? String(i);
  const ready = props.interrupts.every((item, i) => (answers[keyOf(item, i)] ?? "").trim() !== "");
  const resume = () => {
    if (!several) return props.onResume(parseAnswer(answers[keyOf(props.interrupts[0], 0)] ?? ""));
    const byId: Record<string, Json> = {};
    props.interrupts.forEach((item, i) => (byId[keyOf(item, i)] = parseAnswer(answers[keyOf(item, i)] ?? "")));
    props.onResume(byId);
  };
  return (
    <div class="interrupts" role="region" aria-label="interrupts">
      <h3>
        {several ? `${props.interrupts.length} interrupts wait for an answer` : "The run waits for an answer"}
      </h3>
      {props.interrupts.map((item, i) => {
        const key = keyOf(item, i);
        return (
          <div class="interrupt" key={key} data-interrupt={key}>
            <JsonView value={item?.value} className="interrupt-value" />
            <textarea
              name="answer"
              rows={2}
              placeholder='Answer: text, or JSON such as true or {"approved": true}'
              value={answers[key] ?? ""}
              onInput={(e) => setAnswers({ ...answers, [key]: (e.target as HTMLTextAreaElement).value })}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && ready && !props.busy) resume();
              }}
            />
          </div>
        );
      })}
      <button class="primary" name="resume" disabled={!ready || props.busy} onClick={resume}>
        {several ? "Answer all and resume" : "Answer and resume"}
      </button>
    </div>
  );
}
