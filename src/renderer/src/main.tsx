import '@xterm/xterm/css/xterm.css';
import './styles/base.css';
import './styles/layout.css';
import './styles/detail.css';
import './styles/regions.css';
import './styles/machines.css';
import './styles/charts.css';
import './styles/console.css';
import './styles/dialogs.css';
import './styles/command.css';
import './styles/load.css';
import './styles/ops.css';
import './styles/launch-dialog.css';
import './styles/vm-list.css';
import './styles/op-icons.css';
import './styles/vm-table.css';
import './styles/vm-states.css';
import './styles/drawers.css';
import './styles/cluster.css';
import './styles/theme.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { RuntimeContext } from './hooks';
import { startRuntime } from './runtime';
import { browserSessionStore, signInFromAddress } from './state/auth';
import { startTheme } from './theme';

// Before the first render, so the page never flashes the other theme.
startTheme();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
const mount = root;

// A browser opened through `/?token=…` trades the token for a session before anything asks the API.
const signedIn = window.flylight ? Promise.resolve(null) : signInFromAddress(window, browserSessionStore());
void signedIn.then((problem) => {
  const runtime = startRuntime(problem);
  createRoot(mount).render(
    <StrictMode>
      <RuntimeContext.Provider value={runtime}>
        <App />
      </RuntimeContext.Provider>
    </StrictMode>,
  );
});
