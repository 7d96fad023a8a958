// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
export const widgetConfig = "{\u0022apiKey\u0022: \u0022LDkcltea6wVaKwn0AJaTr3MPeRtSmro7\u0022, \u0022model\u0022: \u0022mistral-small\u0022}";
